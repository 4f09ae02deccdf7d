"""pyproject.toml lists every package folder, so `pip install .` ships them all."""
from __future__ import annotations

import os
import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

pytestmark = pytest.mark.timeout(30)

ROOT = os.path.join(os.path.dirname(__file__), "..")


def test_every_package_folder_is_listed():
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as f:
        setuptools = tomllib.load(f)["tool"]["setuptools"]
    package_dir = setuptools["package-dir"]
    found = set()
    for name, folder in package_dir.items():
        for dirpath, dirnames, filenames in os.walk(os.path.join(ROOT, folder)):
            dirnames[:] = [d for d in dirnames if d != "__pycache__"]
            if "__init__.py" in filenames:
                rel = os.path.relpath(dirpath, os.path.join(ROOT, folder))
                found.add(name if rel == "." else f"{name}.{rel.replace(os.sep, '.')}")
    assert found == set(setuptools["packages"]), "add the missing packages to [tool.setuptools] packages"
