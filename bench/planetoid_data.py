"""Where the benchmarks read Planetoid data: $GATVIZ_DATA_DIR, or a temporary copy of the offline
files in ../shared/datasets/planetoid (PyG writes processed/ beside raw/, so never in place)."""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

SHARED = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "planetoid"


@contextmanager
def planetoid_root() -> Iterator[Path]:
    configured = os.environ.get("GATVIZ_DATA_DIR")
    if configured:
        yield Path(configured)
        return
    with tempfile.TemporaryDirectory() as tmp:
        for folder in SHARED.iterdir():
            shutil.copytree(folder, Path(tmp) / folder.name)
        yield Path(tmp)


def bench_dataset(name: str):
    """A benchmark's dataset by name: Planetoid graphs from planetoid_root(), the rest from
    gatviz's own loaders."""
    from gatviz.datasets import PLANETOID, load_dataset

    if name in PLANETOID:
        with planetoid_root() as root:
            return load_dataset(name, root=root)
    return load_dataset(name)
