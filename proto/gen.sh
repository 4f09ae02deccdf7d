#!/usr/bin/env bash
# Regenerates the committed Python code beside the .proto files.
# Uses grpcio-tools as pinned in pyproject.toml's dev extra.
set -euo pipefail
cd "$(dirname "$0")"
python -m grpc_tools.protoc -I. --python_out=. --grpc_python_out=. --pyi_out=. gradwire/v1/*.proto
