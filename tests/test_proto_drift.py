"""The generated code committed beside the .proto files is what protoc generates now."""
from __future__ import annotations

import filecmp
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.timeout(60)

PROTO_ROOT = os.path.join(os.path.dirname(__file__), "..", "proto")


def test_generated_code_matches_the_proto_files(tmp_path):
    pytest.importorskip("grpc_tools", reason="grpcio-tools comes with the dev extra")
    protos = sorted(f"gradwire/v1/{f}" for f in os.listdir(os.path.join(PROTO_ROOT, "gradwire", "v1"))
                    if f.endswith(".proto"))
    assert protos, "no .proto files found"
    subprocess.run([sys.executable, "-m", "grpc_tools.protoc", f"-I{PROTO_ROOT}", f"--python_out={tmp_path}",
                    f"--grpc_python_out={tmp_path}", f"--pyi_out={tmp_path}", *protos], check=True)
    generated = sorted(os.listdir(tmp_path / "gradwire" / "v1"))
    assert len(generated) == 3 * len(protos)
    stale = [f for f in generated
             if not filecmp.cmp(tmp_path / "gradwire" / "v1" / f, os.path.join(PROTO_ROOT, "gradwire", "v1", f),
                                shallow=False)]
    assert not stale, f"regenerate with proto/gen.sh and commit: {stale} differ from the .proto files"
