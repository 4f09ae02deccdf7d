"""The server as a gRPC operator sees it: auth, status codes, isolation, health,
expiry and shutdown. Every test talks to a real gradwire-server process."""
from __future__ import annotations

import time

import grpc
import numpy as np
import pytest

import gradwire
from gradwire.common import wire
from gradwire.server import probe
from gradwire.v1 import gradwire_pb2 as pb
from gradwire.v1 import gradwire_pb2_grpc as pb_grpc
from gradwire.v1 import health_pb2, health_pb2_grpc

from conftest import ServerProcess

pytestmark = pytest.mark.timeout(60)


class RawSession:
    """A session driven by hand over the raw protocol, to send what the SDK never would."""

    def __init__(self, address: str, api_key: str | None = None):
        self.channel = grpc.insecure_channel(address)
        self.stub = pb_grpc.GradwireStub(self.channel)
        auth = (("authorization", f"Bearer {api_key}"),) if api_key else ()
        resp = self.stub.CreateSession(pb.CreateSessionRequest(), metadata=auth, timeout=10)
        self.metadata = (("x-gradwire-session", resp.session_id), ("x-gradwire-token", resp.token))
        self.seq = 0

    def command(self, op, *args, outputs=(), want_value=False, want_meta=None, want_names=False, **kwargs):
        self.seq += 1
        flags = wire.GRAD_ENABLED | (wire.WANT_VALUE if want_value else 0) | (wire.WANT_NAMES if want_names else 0)
        if bool(outputs) if want_meta is None else want_meta:
            flags |= wire.WANT_META
        return RawCommand(self.seq, op, flags, outputs, args, kwargs)

    def batch(self, *commands, release=()):
        """The batch the commands make, as the client would build it (seqs consecutive)."""
        tape = wire.TapeWriter()
        for c in commands:
            tape.command(c.flags, c.outputs, c.args, c.kwargs, lambda o: o.handle if isinstance(o, Handle) else None)
        batch = pb.Batch(batch_id=1, first_seq=commands[0].seq if commands else 0, ops=[c.op for c in commands],
                         release=release)
        tape.fill(batch.tape)
        return batch

    def run(self, *commands, release=(), metadata=None):
        return self.send(self.batch(*commands, release=release), metadata)

    def send(self, batch, metadata=None):
        replies = self.stub.Session(iter([pb.ClientMessage(batch=batch)]), metadata=self.metadata if metadata is None else metadata,
                                    timeout=10)
        return [m.reply for m in replies][0]

    def close(self):
        self.channel.close()


class Handle:
    def __init__(self, handle):
        self.handle = handle


class RawCommand:
    def __init__(self, seq, op, flags, outputs, args, kwargs):
        self.seq, self.op, self.flags, self.outputs, self.args, self.kwargs = seq, op, flags, outputs, args, kwargs


def test_server_info(server):
    with grpc.insecure_channel(server.address) as ch:
        info = pb_grpc.GradwireStub(ch).ServerInfo(pb.ServerInfoRequest(), timeout=10)
    assert info.protocol_version == "gradwire.v1"
    assert "cpu" in info.devices
    assert info.requires_api_key is False
    assert info.chunk_bytes == wire.CHUNK_BYTES


def test_health_service_reports_serving(server):
    assert probe.check(server.address) == "SERVING"
    assert probe.check(server.address, "gradwire.v1.Gradwire") == "SERVING"
    with grpc.insecure_channel(server.address) as ch:
        with pytest.raises(grpc.RpcError) as err:
            health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(service="nope"), timeout=5)
    assert err.value.code() == grpc.StatusCode.NOT_FOUND


def test_commands_without_want_meta_succeed_silently(server):
    s = RawSession(server.address)
    quiet = s.command("ones", (2,), outputs=[1], want_meta=False)
    loud = s.command("sum", Handle(1), outputs=[2])
    reply = s.run(quiet, loud)
    assert not reply.errors
    assert [r.seq for r in reply.results] == [loud.seq]  # only the command that asked reports back


def test_commands_run_and_reply_with_metadata(server):
    s = RawSession(server.address)
    x = np.array([1.0, 2.0], dtype=np.float32)
    reply = s.run(s.command("tensor", x, outputs=[1], requires_grad=True),
                  s.command("mul", Handle(1), 3.0, outputs=[2]),
                  s.command("item", Handle(2), want_value=True))  # item of a 2-element tensor fails
    assert [r.seq for r in reply.results] == [1, 2]
    meta = reply.results[1].outputs[0]
    assert (list(meta.shape), meta.dtype, meta.requires_grad, meta.is_leaf, meta.grad_fn) == \
        ([2], "float32", True, False, "MulBackward0")
    assert len(reply.errors) == 1 and reply.errors[0].seq == 3
    assert reply.errors[0].python_type == "RuntimeError"
    assert reply.errors[0].code == grpc.StatusCode.INVALID_ARGUMENT.value[0]


def test_want_names_reports_one_grad_fn_name_per_output_in_order(server):
    s = RawSession(server.address)
    reply = s.run(s.command("randn", 3, outputs=[1], requires_grad=True, want_meta=False),
                  s.command("mul", Handle(1), 2.0, outputs=[2], want_meta=False, want_names=True),
                  s.command("neg", Handle(9), outputs=[3], want_meta=False, want_names=True),  # fails
                  s.command("max", Handle(2), 0, outputs=[4, 5], want_meta=False, want_names=True),
                  s.command("detach", Handle(2), outputs=[6], want_meta=False, want_names=True))
    assert list(reply.grad_fns) == ["MulBackward0", "", "MaxBackward0", "", ""]
    assert not reply.results and [e.seq for e in reply.errors] == [3]


def test_unknown_handle_is_not_found_and_the_stream_goes_on(server):
    s = RawSession(server.address)
    reply = s.run(s.command("neg", Handle(999), outputs=[1]),
                  s.command("zeros", (2,), outputs=[2]))
    assert reply.errors[0].code == grpc.StatusCode.NOT_FOUND.value[0]
    assert "999" in reply.errors[0].message
    assert reply.results[0].outputs[0].shape == [2]


def test_failed_command_poisons_its_outputs_not_the_batch(server):
    s = RawSession(server.address)
    reply = s.run(s.command("zeros", (2,), outputs=[1]),
                  s.command("zeros", (3,), outputs=[2]),
                  s.command("add", Handle(1), Handle(2), outputs=[3]),   # shape mismatch
                  s.command("neg", Handle(3), outputs=[4]),              # depends on the failure
                  s.command("neg", Handle(1), outputs=[5]))              # independent
    root, cascade = reply.errors
    assert root.seq == 3 and root.python_type == "RuntimeError"
    assert root.message == "The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0"
    assert cascade.seq == 4 and cascade.caused_by == 3
    assert [r.seq for r in reply.results] == [1, 2, 5]


def test_unknown_op_and_rebinding_a_handle_are_rejected(server):
    s = RawSession(server.address)
    reply = s.run(s.command("os.system", "true", outputs=[1]),
                  s.command("zeros", (1,), outputs=[2]),
                  s.command("zeros", (1,), outputs=[2]))
    codes = [e.code for e in reply.errors]
    assert codes == [grpc.StatusCode.UNIMPLEMENTED.value[0], grpc.StatusCode.INVALID_ARGUMENT.value[0]]


def test_sessions_cannot_see_each_others_handles(server):
    a, b = RawSession(server.address), RawSession(server.address)
    a.run(a.command("ones", (2,), outputs=[7]))
    reply = b.run(b.command("neg", Handle(7), outputs=[1]))
    assert reply.errors[0].code == grpc.StatusCode.NOT_FOUND.value[0]
    # ... and a still has its own handle 7
    reply = a.run(a.command("sum", Handle(7), outputs=[1]), a.command("item", Handle(1), want_value=True))
    assert wire.decode(reply.results[1].value) == 2.0


def test_wrong_or_missing_session_token_is_unauthenticated(server):
    s = RawSession(server.address)
    session_id = s.metadata[0][1]
    for metadata in ((("x-gradwire-session", session_id), ("x-gradwire-token", "forged")),
                     (("x-gradwire-session", session_id),), ()):
        with pytest.raises(grpc.RpcError) as err:
            s.run(s.command("zeros", (1,), outputs=[1]), metadata=metadata)
        assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED
    with pytest.raises(grpc.RpcError) as err:
        s.run(s.command("zeros", (1,), outputs=[1]),
              metadata=(("x-gradwire-session", "nope"), ("x-gradwire-token", "x")))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND


def test_malformed_batch_fails_alone_and_other_sessions_carry_on(server):
    bystander = RawSession(server.address)
    bystander.run(bystander.command("ones", (3,), outputs=[1]))
    s = RawSession(server.address)
    # Bytes that are no ClientMessage at all.
    garbage = s.channel.stream_stream("/gradwire.v1.Gradwire/Session", request_serializer=lambda b: b,
                                      response_deserializer=lambda b: b)
    with pytest.raises(grpc.RpcError) as err:
        list(garbage(iter([b"\xff\xff\xff\xff\x0f"]), metadata=s.metadata, timeout=10))
    assert err.value.code() in (grpc.StatusCode.INTERNAL, grpc.StatusCode.INVALID_ARGUMENT)
    # A batch whose tensor literal lies about its size.
    batch = s.batch(s.command("tensor", np.zeros(4, np.float32), outputs=[1]))
    batch.tape.tensors[0].data = b"\x00" * 3
    reply = s.send(batch)
    assert reply.errors[0].python_type == "ValueError"
    # A tape that does not match its ops: the stream ends with INVALID_ARGUMENT.
    ints = s.batch(s.command("ones", (3,), outputs=[2])).tape.ints  # 8 bytes each
    for bad in (ints[:-8], ints + bytes(8), ints + bytes(1), ints[:32] + (99).to_bytes(8, "little") + ints[40:]):
        batch = s.batch(s.command("ones", (3,), outputs=[2]))
        batch.tape.ints = bad
        with pytest.raises(grpc.RpcError) as err:
            s.send(batch)
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "malformed batch" in err.value.details()
    # The bystander's tensor is intact.
    reply = bystander.run(bystander.command("sum", Handle(1), outputs=[2]),
                          bystander.command("item", Handle(2), want_value=True))
    assert wire.decode(reply.results[1].value) == 3.0


def test_released_handles_are_freed(server):
    s = RawSession(server.address)
    s.run(s.command("ones", (2,), outputs=[1]), release=[1])
    reply = s.run(s.command("neg", Handle(1), outputs=[2]))
    assert reply.errors[0].code == grpc.StatusCode.NOT_FOUND.value[0]


def test_close_session_frees_everything(server):
    s = RawSession(server.address)
    s.run(s.command("ones", (2,), outputs=[1]), s.command("ones", (2,), outputs=[2]))
    assert s.stub.CloseSession(pb.CloseSessionRequest(), metadata=s.metadata, timeout=5).released_handles == 2
    with pytest.raises(grpc.RpcError) as err:
        s.run(s.command("zeros", (1,), outputs=[3]))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND


def test_api_key_is_required_when_set():
    proc = ServerProcess(env={"GRADWIRE_API_KEY": "s3cret"})
    try:
        for token in (None, "wrong"):
            with pytest.raises(gradwire.GradwireError) as err:
                gradwire.connect(proc.address, token=token)
            assert err.value.code == grpc.StatusCode.UNAUTHENTICATED
            assert "UNAUTHENTICATED" in str(err.value)
        conn = gradwire.connect(proc.address, token="s3cret")
        assert gradwire.tensor([1.0, 2.0]).sum().item() == 3.0
        conn.close()
    finally:
        gradwire.disconnect()
        proc.stop()


def test_idle_sessions_expire():
    proc = ServerProcess("--session-ttl", "0.5")
    try:
        s = RawSession(proc.address)
        s.run(s.command("ones", (1,), outputs=[1]))
        time.sleep(1.5)
        with pytest.raises(grpc.RpcError) as err:
            s.run(s.command("neg", Handle(1), outputs=[2]))
        assert err.value.code() == grpc.StatusCode.NOT_FOUND
    finally:
        proc.stop()


def test_sigterm_shuts_down_gracefully():
    proc = ServerProcess()
    s = RawSession(proc.address)
    s.run(s.command("ones", (1,), outputs=[1]))
    assert proc.stop() == 0
    assert "Traceback" not in proc.proc.stderr.read()


def test_upload_must_start_with_its_header_and_send_exactly_its_bytes(server):
    s = RawSession(server.address)
    upload = s.channel.stream_unary("/gradwire.v1.Gradwire/Upload", request_serializer=wire.serialize_upload_chunk,
                                    response_deserializer=pb.UploadResponse.FromString)
    header = pb.UploadChunk(handle=5, dtype="float32", shape=[4])
    data = np.arange(4, dtype=np.float32)
    meta = upload(iter([header, memoryview(data.tobytes())]), metadata=s.metadata, timeout=10).meta
    assert (list(meta.shape), meta.dtype) == ([4], "float32")
    reply = s.run(s.command("tolist", Handle(5), want_value=True))
    assert wire.decode(reply.results[0].value) == [0.0, 1.0, 2.0, 3.0]
    for chunks in ([memoryview(data.tobytes())],                                      # no header
                   [pb.UploadChunk(handle=6, dtype="float32", shape=[4]), memoryview(b"\x00" * 12)],  # short
                   [pb.UploadChunk(handle=7, dtype="float32", shape=[1]), memoryview(b"\x00" * 8)]):  # long
        with pytest.raises(grpc.RpcError) as err:
            upload(iter(chunks), metadata=s.metadata, timeout=10)
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_a_session_past_its_memory_quota_is_out_of_memory_and_goes_on():
    proc = ServerProcess("--max-session-bytes", str(1 << 20))  # 1 MiB a session
    try:
        with grpc.insecure_channel(proc.address) as ch:
            assert pb_grpc.GradwireStub(ch).ServerInfo(pb.ServerInfoRequest(), timeout=10).max_session_bytes == 1 << 20
        # The raw protocol: the command past the quota fails with RESOURCE_EXHAUSTED, its
        # output is not bound, and the next command (after a release) runs.
        s = RawSession(proc.address)
        reply = s.run(s.command("zeros", (100_000,), outputs=[1]),          # 400 kB float32
                      s.command("add", Handle(1), 1.0, outputs=[2]),        # 800 kB
                      s.command("mul", Handle(1), 2.0, outputs=[3]),        # 1.2 MB: over
                      s.command("neg", Handle(3), outputs=[4]))
        assert [(e.seq, e.python_type) for e in reply.errors] == [(3, "OutOfMemoryError"), (4, "RuntimeError")]
        assert reply.errors[0].code == grpc.StatusCode.RESOURCE_EXHAUSTED.value[0]
        assert "over its quota of 1.00 MiB" in reply.errors[0].message
        assert reply.errors[1].caused_by == 3
        reply = s.run(s.command("mul", Handle(1), 2.0, outputs=[5]), release=[2])  # checked before the release
        assert reply.errors[0].python_type == "OutOfMemoryError"
        reply = s.run(s.command("mul", Handle(1), 2.0, outputs=[6]))               # fits now
        assert not reply.errors
        s.close()

        # The SDK: torch's exception type, a RuntimeError, raised at the next sync point.
        gradwire.connect(proc.address)
        a = gradwire.zeros(100_000)
        b = a + 1
        with pytest.raises(gradwire.OutOfMemoryError, match="gradwire session out of memory") as err:
            c = a * 2
            gradwire.synchronize()
        assert isinstance(err.value, RuntimeError) and gradwire.cuda.OutOfMemoryError is gradwire.OutOfMemoryError
        del b
        gradwire.synchronize()  # the release rides on this batch
        c = a * 2
        assert c.sum().item() == 0.0
        # An upload past the quota is refused with RESOURCE_EXHAUSTED and binds nothing.
        with pytest.raises(gradwire.GradwireError) as err:
            gradwire.from_numpy(np.ones(400_000, dtype=np.float32))  # 1.6 MB: sent on Upload
        assert err.value.code == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert a.sum().item() == 0.0  # the session goes on
    finally:
        gradwire.disconnect()
        proc.stop()
