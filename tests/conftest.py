"""Shared fixtures: tiny hand-built graphs, Karate, Cora from ../shared, a trained checkpoint."""

from __future__ import annotations

import json
import os
import re
import shutil
import warnings
from pathlib import Path

import pytest
import torch
from torch_geometric.data import Data

from gatviz.checkpoint import checkpoint_bytes
from gatviz.config import ModelConfig, TrainConfig
from gatviz.datasets import GraphDataset, attach_split, load_dataset
from gatviz.graphset import graph_set
from gatviz.model import GAT
from gatviz.training import train

SHARED = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "planetoid"

# Under pytest-xdist (the test command runs two workers on two cores) every process torch runs in
# keeps to one thread: the workers, and what they start (Streamlit servers, notebook kernels,
# the CLI), which inherit OMP_NUM_THREADS. Two workers of two threads each, and their servers
# and kernels beside them, fought for the cores many times over.
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ["OMP_NUM_THREADS"] = "1"
    torch.set_num_threads(1)


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field + ":"))


def peak_memory_growth(run) -> float:
    """MB by which the process's peak resident memory rose above its resident memory while
    ``run()`` ran: torch's, safetensors' and Arrow's allocations included, which tracemalloc
    cannot see. Linux only (the kernel's peak is reset through /proc/self/clear_refs)."""
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")  # VmHWM := VmRSS
    before = _status_kb("VmRSS")
    run()
    return (_status_kb("VmHWM") - before) / 1024


def require_shared(folder: Path) -> None:
    """Skip a test whose offline dataset copy is missing; on CI, where ../shared is always
    laid beside the clone, fail instead (a silent skip there would hide a broken layout)."""
    if folder.is_dir():
        return
    message = f"offline dataset copies not found at {folder}"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


warnings.filterwarnings("ignore", message=".*Sparse CSR tensor support is in beta.*")


def tiny_graph(name: str = "tiny") -> GraphDataset:
    """Six nodes, two triangles joined by one edge; node 5 also has an isolated twin (6)."""
    edges = [(0, 1), (1, 2), (2, 0), (3, 4), (4, 5), (5, 3), (2, 3)]
    both = edges + [(b, a) for a, b in edges]
    edge_index = torch.tensor(both).t().contiguous()
    x = torch.tensor(
        [[1, 0, 0.5], [1, 0, 0], [1, 1, 0], [0, 1, 0], [0, 1, 1], [0, 0, 1], [0.5, 0.5, 0.5]]
    )
    y = torch.tensor([0, 0, 0, 1, 1, 1, 1])
    data = attach_split(Data(x=x, edge_index=edge_index, y=y, num_nodes=7), seed=0)
    return GraphDataset(
        name,
        data,
        ["left", "right"],
        [f"n{i}" for i in range(7)],
        "two triangles and an isolated node",
    )


@pytest.fixture
def tiny() -> GraphDataset:
    return tiny_graph()


@pytest.fixture(scope="session")
def karate() -> GraphDataset:
    return load_dataset("karate")


@pytest.fixture(scope="session")
def planetoid_root(tmp_path_factory) -> Path:
    """A writable copy of the offline Planetoid files (PyG writes processed/ beside raw/)."""
    require_shared(SHARED)
    root = tmp_path_factory.mktemp("planetoid")
    for folder in SHARED.iterdir():
        shutil.copytree(folder, root / folder.name)
    return root


@pytest.fixture(scope="session")
def cora(planetoid_root) -> GraphDataset:
    return load_dataset("cora", root=planetoid_root)


@pytest.fixture(scope="session")
def karate_trained(karate):
    train_config = TrainConfig(epochs=60, patience=0, seed=0)
    result = train(karate, ModelConfig(), train_config)
    return result, train_config


@pytest.fixture(scope="session")
def karate_checkpoint(karate, karate_trained, tmp_path_factory) -> Path:
    result, train_config = karate_trained
    path = tmp_path_factory.mktemp("ckpt") / "karate.safetensors"
    path.write_bytes(checkpoint_bytes(result.model, karate, train_config, result.metrics))
    return path


@pytest.fixture
def tiny_graph_set():
    """Three small graphs for graph classification, with a motif mask, and an untrained
    graph-task GAT (eval mode, no dropout)."""
    torch.manual_seed(0)
    graphs, masks = [], []
    for g in range(3):
        n = 5 + g
        ring = torch.arange(n)
        edge_index = torch.cat(
            [torch.stack([ring, (ring + 1) % n]), torch.stack([(ring + 1) % n, ring])], dim=1
        )
        graphs.append(Data(x=torch.rand(n, 4), edge_index=edge_index, y=torch.full((n,), -1)))
        masks.append(edge_index[0] < 2)
    dataset = graph_set(
        "tiny set",
        graphs,
        task="graph",
        class_names=[],
        description="hand-built",
        graph_split=torch.tensor([0, 2, 2]),
        graph_y=torch.tensor([0, 1, 0]),
        graph_class_names=["a", "b"],
        edge_masks={"motif": masks},
    )
    config = ModelConfig(task="graph", layers=2, heads=2, dropout=0.0, attn_dropout=0.0)
    return GAT(4, 2, config).eval(), dataset


def drawn_edges(page: str) -> list[dict]:
    """The edges an overlay page hands vis-network (``from``, ``to``, ``title``, ...)."""
    return json.loads(re.search(r"edges = new vis.DataSet\((\[.*?\])\);", page, re.S).group(1))
