# gradwire-server on CPU. Build: docker compose build; run: docker compose up
FROM python:3.11-slim

WORKDIR /app
COPY pyproject.toml README.md ./
COPY proto ./proto
COPY common ./common
COPY engine ./engine
COPY server ./server
COPY client ./client
RUN pip install --no-cache-dir . && useradd --create-home gradwire

USER gradwire
EXPOSE 50051
# --host 0.0.0.0: reachable through the published port; the API key comes
# from GRADWIRE_API_KEY in the environment when set.
CMD ["gradwire-server", "--host", "0.0.0.0", "--port", "50051"]
