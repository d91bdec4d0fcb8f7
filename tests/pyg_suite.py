"""PyG's own tests of GATConv and GATv2Conv, run with gatviz's fused layers in their place.

gatviz's layers (gatviz.kernels.FusedGATConv, FusedGATv2Conv) are drop-ins for PyG's. This takes
PyG's test files from a clone of PyG at the release gatviz pins (they are not copied into this
repository, and CI cannot reach GitHub), writes them to a temporary folder beside a conftest.py
that puts gatviz's classes where the tests import PyG's (``torch_geometric.nn.GATConv``), and runs
pytest there. It checks first that the swap took: the tests then construct gatviz's classes.

Usage: python tests/pyg_suite.py --repo PATH_TO_PYG_CLONE [--ref 2.8.0.post1]
(PyG 2.8.1, the pinned release, has no tag in PyG's repository; 2.8.0.post1's
``gat_conv.py`` and ``gatv2_conv.py`` are byte-equal to the installed 2.8.1's, and so are these
tests to PyG's main branch.)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS = ("test/nn/conv/test_gat_conv.py", "test/nn/conv/test_gatv2_conv.py")
SWAP = """import torch_geometric.nn as nn

from gatviz.kernels import FusedGATConv, FusedGATv2Conv

nn.GATConv, nn.GATv2Conv = FusedGATConv, FusedGATv2Conv


def pytest_collection_finish(session):
    modules = {item.module for item in session.items}
    for module in modules:
        for name, fused in (("GATConv", FusedGATConv), ("GATv2Conv", FusedGATv2Conv)):
            if hasattr(module, name):
                assert getattr(module, name) is fused, f"{module.__name__}.{name} is not gatviz's"
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, required=True, help="a git clone of PyG")
    parser.add_argument("--ref", default="2.8.0.post1")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for path in TESTS:
            text = subprocess.run(
                ["git", "-C", str(args.repo), "show", f"{args.ref}:{path}"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            (folder / Path(path).name).write_text(text)
        (folder / "conftest.py").write_text(SWAP)
        return subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(folder)],
            cwd=folder,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        ).returncode


if __name__ == "__main__":
    sys.exit(main())
