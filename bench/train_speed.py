"""Training speed and accuracy: gatviz against PyG's ``examples/gat.py`` recipe, in one run.

The reference is the two-layer GAT of PyG's example (8 heads x 8 hidden, ELU, dropout 0.6 on
dense features and on attention, one averaged output head), trained as the example trains it:
Adam (lr 0.005, weight decay 5e-4), 200 epochs, all splits evaluated every epoch, and the test
accuracy reported at the epoch of best validation accuracy. gatviz trains the same architecture
(``ModelConfig()``, ``TrainConfig(patience=0)``) through :func:`gatviz.training.train`.

Usage: python bench/train_speed.py [--datasets cora citeseer] [--seeds 5] [--epochs 200]
Data: $GATVIZ_DATA_DIR if set, else the offline copies in ../shared/datasets/planetoid.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch_geometric.nn import GATConv

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from planetoid_data import planetoid_root  # noqa: E402
from gatviz.config import TrainConfig  # noqa: E402
from gatviz.datasets import GraphDataset, load_dataset  # noqa: E402
from gatviz.training import train  # noqa: E402


class ReferenceGAT(torch.nn.Module):
    """PyG examples/gat.py's model: dense dropout, GATConv(8x8) -> ELU -> GATConv(1 head)."""

    def __init__(self, in_channels: int, num_classes: int):
        super().__init__()
        self.conv1 = GATConv(in_channels, 8, heads=8, dropout=0.6)
        self.conv2 = GATConv(8 * 8, num_classes, heads=1, concat=False, dropout=0.6)

    def forward(self, x, edge_index):
        x = F.dropout(x, p=0.6, training=self.training)
        x = F.elu(self.conv1(x, edge_index))
        x = F.dropout(x, p=0.6, training=self.training)
        return self.conv2(x, edge_index)


def run_reference(dataset: GraphDataset, seed: int, epochs: int) -> tuple[float, float]:
    """Returns (seconds, test accuracy at best validation accuracy)."""
    data = dataset.data
    torch.manual_seed(seed)
    model = ReferenceGAT(dataset.num_features, dataset.num_classes)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.005, weight_decay=5e-4)
    best_val = test_acc = 0.0
    start = time.perf_counter()
    for _ in range(epochs):
        model.train()
        optimizer.zero_grad()
        out = model(data.x, data.edge_index)
        F.cross_entropy(out[data.train_mask], data.y[data.train_mask]).backward()
        optimizer.step()
        model.eval()
        with torch.no_grad():
            pred = model(data.x, data.edge_index).argmax(dim=-1)
        accs = [
            int((pred[m] == data.y[m]).sum()) / int(m.sum())
            for m in (data.train_mask, data.val_mask, data.test_mask)
        ]
        if accs[1] > best_val:
            best_val, test_acc = accs[1], accs[2]
    return time.perf_counter() - start, test_acc


def run_gatviz(dataset: GraphDataset, seed: int, epochs: int) -> tuple[float, float]:
    start = time.perf_counter()
    result = train(dataset, train_config=TrainConfig(epochs=epochs, patience=0, seed=seed))
    return time.perf_counter() - start, result.metrics["test_acc"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["cora", "citeseer"])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=200)
    args = parser.parse_args()

    with planetoid_root() as root:
        print(
            f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
            f"{args.seeds} seeds x {args.epochs} epochs"
        )
        print(f"{'dataset':9} {'impl':9} {'epochs/s':>9} {'test acc (mean ± sd)':>22}")
        for name in args.datasets:
            dataset = load_dataset(name, root=root)
            rows = {}
            for impl, run in (("reference", run_reference), ("gatviz", run_gatviz)):
                run(dataset, 0, 3)  # warm-up: first-call allocations and kernel selection
                seconds, accs = zip(*(run(dataset, s, args.epochs) for s in range(args.seeds)))
                rate = args.seeds * args.epochs / sum(seconds)
                rows[impl] = rate
                spread = statistics.stdev(accs) if len(accs) > 1 else 0.0
                print(
                    f"{name:9} {impl:9} {rate:9.1f} "
                    f"{100 * statistics.mean(accs):12.1f} ± {100 * spread:.1f} %"
                )
            print(f"{name:9} speed-up  {rows['gatviz'] / rows['reference']:8.1f}x")


if __name__ == "__main__":
    main()
