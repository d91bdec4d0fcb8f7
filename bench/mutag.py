"""MUTAG test accuracy over seeds: gatviz beside a plain PyG graph classifier, in the same run.

The reference is written in plain PyG the way a user would: GATConv × 2 (ELU between), global
mean pool, a linear layer, Adam, PyG's DataLoader, the test accuracy of the epoch with the best
validation accuracy. gatviz trains the same architecture from ``ModelConfig(task="graph")`` on
the same seeded split of the molecules. Both see the same seeds; the paired difference has a
95 % t-interval.

    python bench/mutag.py [--seeds 10] [--epochs 100]
"""

from __future__ import annotations

import argparse
import copy
import math
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch_geometric.loader import DataLoader
from torch_geometric.nn import GATConv, global_mean_pool

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gatviz.config import ModelConfig, TrainConfig  # noqa: E402
from gatviz.datasets import load_dataset  # noqa: E402
from gatviz.graphset import graph_list  # noqa: E402
from gatviz.training import train  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "tu" / "MUTAG"
HIDDEN, HEADS, DROPOUT, LR, WEIGHT_DECAY, BATCH = 16, 4, 0.0, 0.005, 5e-4, 32


class Reference(torch.nn.Module):
    def __init__(self, features: int, classes: int):
        super().__init__()
        self.conv1 = GATConv(features, HIDDEN, heads=HEADS)
        self.conv2 = GATConv(HIDDEN * HEADS, HIDDEN, heads=1)
        self.lin = torch.nn.Linear(HIDDEN, classes)

    def forward(self, x, edge_index, batch):
        x = F.elu(self.conv1(x, edge_index))
        x = self.conv2(x, edge_index)
        return self.lin(global_mean_pool(x, batch))


def reference_run(dataset, seed: int, epochs: int) -> float:
    torch.manual_seed(seed)
    loaders = {
        split: DataLoader(
            graph_list(dataset, dataset.split_graphs(split)),
            batch_size=BATCH,
            shuffle=split == "train",
            generator=torch.Generator().manual_seed(seed),
        )
        for split in ("train", "val", "test")
    }
    model = Reference(dataset.num_features, dataset.num_classes)
    optimizer = torch.optim.Adam(model.parameters(), lr=LR, weight_decay=WEIGHT_DECAY)

    def accuracy(split):
        model.eval()
        right = total = 0
        with torch.no_grad():
            for batch in loaders[split]:
                pred = model(batch.x, batch.edge_index, batch.batch).argmax(-1)
                right += int((pred == batch.target).sum())
                total += batch.target.numel()
        return right / total

    best, best_state = -1.0, None
    for _ in range(epochs):
        model.train()
        for batch in loaders["train"]:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(batch.x, batch.edge_index, batch.batch), batch.target)
            loss.backward()
            optimizer.step()
        val = accuracy("val")
        if val > best:  # the first epoch of the best validation accuracy
            best, best_state = val, copy.deepcopy(model.state_dict())
    last = accuracy("test")
    model.load_state_dict(best_state)
    return accuracy("test"), last


def gatviz_run(dataset, seed: int, epochs: int) -> float:
    config = ModelConfig(
        task="graph",
        layers=2,
        hidden=HIDDEN,
        heads=HEADS,
        out_heads=1,
        dropout=DROPOUT,
        attn_dropout=DROPOUT,
        pool="mean",
    )
    result = train(
        dataset,
        config,
        TrainConfig(
            lr=LR,
            weight_decay=WEIGHT_DECAY,
            epochs=epochs,
            patience=0,
            seed=seed,
            graph_batch=BATCH,
            snapshots=0,
        ),
    )
    return result.metrics["test_acc"], result.history[-1].test_acc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--epochs", type=int, default=100)
    args = parser.parse_args()
    torch.set_num_threads(1)
    root = Path(tempfile.mkdtemp())
    shutil.copytree(SHARED, root / "MUTAG")
    dataset = load_dataset("mutag", root=root)
    print(
        f"MUTAG: {dataset.num_graphs} molecules, split "
        f"{[int(dataset.split_graphs(s).numel()) for s in ('train', 'val', 'test')]} "
        f"(seed 0, stratified); {args.epochs} epochs, batches of {BATCH}"
    )
    rows = []
    for seed in range(args.seeds):
        start = time.perf_counter()
        ours = gatviz_run(dataset, seed, args.epochs)
        mid = time.perf_counter()
        ref = reference_run(dataset, seed, args.epochs)
        end = time.perf_counter()
        rows.append((ours, ref, mid - start, end - mid))
        print(
            f"seed {seed}: gatviz {ours[0]:.3f} (last epoch {ours[1]:.3f}, {mid - start:.1f} s)"
            f"  reference {ref[0]:.3f} (last epoch {ref[1]:.3f}, {end - mid:.1f} s)",
            flush=True,
        )
    from scipy import stats

    test_graphs = int(dataset.split_graphs("test").numel())
    print(
        f"\ntest accuracy over {len(rows)} seeds ({test_graphs} test molecules: one molecule "
        f"is {1 / test_graphs:.3f}; {int(dataset.split_graphs('val').numel())} validation "
        "molecules pick the epoch):"
    )
    for k, when in enumerate(("at the best validation epoch", "at the last epoch")):
        ours, ref = np.array([r[0][k] for r in rows]), np.array([r[1][k] for r in rows])
        diff = ours - ref
        half = (
            stats.t.ppf(0.975, len(diff) - 1) * diff.std(ddof=1) / math.sqrt(len(diff))
            if len(diff) > 1
            else math.nan
        )
        print(
            f"  {when}: gatviz {ours.mean():.3f} ± {ours.std(ddof=1):.3f} (sd), reference "
            f"{ref.mean():.3f} ± {ref.std(ddof=1):.3f}; difference {diff.mean():+.3f}, "
            f"95 % CI [{diff.mean() - half:+.3f}, {diff.mean() + half:+.3f}]"
        )
    print(
        f"  time per run: gatviz {np.mean([r[2] for r in rows]):.1f} s, reference "
        f"{np.mean([r[3] for r in rows]):.1f} s"
    )
    shutil.rmtree(root)


if __name__ == "__main__":
    main()
