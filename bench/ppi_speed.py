"""Epoch time and peak memory on a PPI-shaped set: gatviz's PPI preset beside PyG's examples/ppi.py.

PPI itself is not on this machine, so the set is synthetic with PPI's shape: 24 graphs (20 train,
2 val, 2 test) of about 2,400 nodes, 50 features, 121 labels and about 34 edges per node. The
reference is written as PyG's ``examples/ppi.py``: GATConv 4 × 256 → 4 × 256 → 6 heads averaged,
each with a linear skip, ELU, BCE, Adam lr 0.005, batches of 2 graphs; an epoch is its training
pass plus scoring the validation and test graphs. gatviz trains ``--preset ppi`` (the same
architecture, its skips as PyG's ``residual=True``) and scores every split each epoch (train
graphs too, for the live curves). Each side runs in its own process, one after the other, so
that their peak memory is their own; times are medians over the epochs after the first.

    python bench/ppi_speed.py [--epochs 3] [--nodes 2400] [--degree 34]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def ppi_shaped(nodes: int, degree: float, seed: int = 0):
    """24 graphs in PPI's shape; labels follow the neighbours' features, so they are learnable."""
    from torch_geometric.data import Data
    from torch_geometric.utils import to_undirected

    from gatviz.graphset import graph_set

    g = torch.Generator().manual_seed(seed)
    mixing = torch.randn(50, 121, generator=g)
    graphs = []
    for _ in range(24):
        n = int(nodes * (0.8 + 0.4 * torch.rand(1, generator=g)))
        pairs = torch.randint(0, n, (2, int(n * degree / 2)), generator=g)
        edge_index = to_undirected(pairs[:, pairs[0] != pairs[1]], num_nodes=n)
        x = torch.randn(n, 50, generator=g)
        mean = torch.zeros(n, 50).index_add_(0, edge_index[1], x[edge_index[0]])
        y = ((mean + x) @ mixing > 0).long()
        graphs.append(Data(x=x, edge_index=edge_index, y=y, num_nodes=n))
    split = torch.tensor([0] * 20 + [1] * 2 + [2] * 2)
    return graph_set(
        "ppi-shaped",
        graphs,
        task="multilabel",
        class_names=[f"label {k}" for k in range(121)],
        description="",
        graph_split=split,
    )


def run_reference(dataset, epochs: int) -> list[float]:
    from torch_geometric.loader import DataLoader
    from torch_geometric.nn import GATConv

    from gatviz.graphset import graph_list

    class Net(torch.nn.Module):  # as PyG's examples/ppi.py
        def __init__(self, features, classes):
            super().__init__()
            self.conv1 = GATConv(features, 256, heads=4)
            self.lin1 = torch.nn.Linear(features, 4 * 256)
            self.conv2 = GATConv(4 * 256, 256, heads=4)
            self.lin2 = torch.nn.Linear(4 * 256, 4 * 256)
            self.conv3 = GATConv(4 * 256, classes, heads=6, concat=False)
            self.lin3 = torch.nn.Linear(4 * 256, classes)

        def forward(self, x, edge_index):
            x = F.elu(self.conv1(x, edge_index) + self.lin1(x))
            x = F.elu(self.conv2(x, edge_index) + self.lin2(x))
            return self.conv3(x, edge_index) + self.lin3(x)

    torch.manual_seed(0)
    loaders = {
        s: DataLoader(
            graph_list(dataset, dataset.split_graphs(s)), batch_size=2, shuffle=s == "train"
        )
        for s in ("train", "val", "test")
    }
    model = Net(dataset.num_features, dataset.num_classes)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.005)
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        model.train()
        for batch in loaders["train"]:
            optimizer.zero_grad()
            loss = F.binary_cross_entropy_with_logits(
                model(batch.x, batch.edge_index), batch.target.float()
            )
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            for split in ("val", "test"):
                for batch in loaders[split]:
                    (model(batch.x, batch.edge_index) > 0).float()
        times.append(time.perf_counter() - start)
    return times


def run_gatviz(dataset, epochs: int) -> list[float]:
    from dataclasses import replace

    from gatviz.presets import preset
    from gatviz.training import train

    chosen = preset("ppi")
    times, last = [], [time.perf_counter()]

    def tick(stats):
        now = time.perf_counter()
        times.append(now - last[0])
        last[0] = now

    train(
        dataset,
        chosen.model,
        replace(chosen.train, epochs=epochs, patience=0, snapshots=0),
        on_epoch=tick,
    )
    return times


def child(side: str, args) -> None:
    torch.set_num_threads(2)
    dataset = ppi_shaped(args.nodes, args.degree)
    times = (run_reference if side == "reference" else run_gatviz)(dataset, args.epochs)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "side": side,
                "times": times,
                "peak_mb": peak,
                "nodes": dataset.num_nodes,
                "edges": dataset.num_edges,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--nodes", type=int, default=2400)
    parser.add_argument("--degree", type=float, default=34.0)
    parser.add_argument("--side", choices=("reference", "gatviz"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        return child(args.side, args)
    results = {}
    for side in ("reference", "gatviz"):
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--side",
                side,
                "--epochs",
                str(args.epochs),
                "--nodes",
                str(args.nodes),
                "--degree",
                str(args.degree),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        results[side] = json.loads(out.stdout.strip().splitlines()[-1])
        row = results[side]
        later = row["times"][1:] or row["times"]
        print(
            f"{side:9}: epoch {np.median(later):.1f} s (median of epochs 2-{len(row['times'])}"
            f"; first {row['times'][0]:.1f} s), peak {row['peak_mb']:,.0f} MB  "
            f"[{row['nodes']:,} nodes, {row['edges']:,} directed edges]",
            flush=True,
        )
    ratio = np.median(
        results["reference"]["times"][1:] or results["reference"]["times"]
    ) / np.median(results["gatviz"]["times"][1:] or results["gatviz"]["times"])
    print(f"gatviz speed / reference speed: {ratio:.2f}× (goal: at least 1×, aim 2×)")


if __name__ == "__main__":
    main()
