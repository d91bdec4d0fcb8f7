"""Mini-batch steps: gatviz's trimmed step beside the untrimmed one and plain PyG, same batches.

On bench/scale.py's synthetic graph (SIZE edge rows, read from a pack that ``--pack`` or this
script writes), gatviz's default GAT (8 heads x 8 hidden, 2 layers) takes training steps of
1,024 seeds with fanout 10, each on the same sampled neighbourhoods, three ways:

* ``gatviz``: what training does now: each layer trimmed to what the seeds need
  (``GAT.forward(..., hops=...)``: the edges into the nodes the next layer reads, self-loops
  only there), the fused CSR neighbour sum, the plan built without a sort;
* ``untrimmed``: the same layers on the whole sampled subgraph, every node a target (what
  gatviz did before, with this session's kernels);
* ``pyg``: PyG's own ``GATConv`` (its message passing: gather, scatter) in the same model,
  untrimmed, as a plain PyG model runs on a ``NeighborLoader`` batch.

It prints the median seconds per step (sampling included) over ``--steps`` batches, then one
whole epoch of gatviz's training pass (every training node once) and the whole-graph
evaluation that ``train`` runs after it, timed apart. Run it alone.

Usage: python bench/minibatch_speed.py [--size 10000000] [--steps 30] [--epoch]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

BATCH, FANOUT = 1024, 10


def _dataset(size: int, folder: Path):
    from scale import generate

    from gatviz.csv_graph import load_csv
    from gatviz.pack import load_pack, write_pack

    generate(size, folder)
    if not (folder / "pack" / "pack.json").exists():
        write_pack(load_csv(folder / "edges.csv", folder / "nodes.csv", name="scale"),
                   folder / "pack")  # fmt: skip
    return load_pack(folder / "pack")


def _models(dataset):
    """gatviz's model and the same weights in plain PyG GATConv layers."""
    import gatviz.model as model_module
    from gatviz.config import ModelConfig

    torch.manual_seed(0)
    fused = model_module.GAT(dataset.num_features, dataset.num_classes, ModelConfig())
    fused_class = model_module.FusedGATConv
    try:  # the GAT looks its layer class up when built
        from torch_geometric.nn import GATConv

        model_module.FusedGATConv = GATConv  # type: ignore[misc]
        plain = model_module.GAT(dataset.num_features, dataset.num_classes, ModelConfig())
    finally:
        model_module.FusedGATConv = fused_class  # type: ignore[misc]
    plain.load_state_dict(fused.state_dict())
    assert type(plain.convs[0]) is GATConv
    return fused, plain


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000_000, help="edge rows")
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/gatviz-scale"))
    parser.add_argument("--epoch", action="store_true", help="also time a whole epoch")
    args = parser.parse_args()

    from gatviz.config import TrainConfig
    from gatviz.distributed import World, epoch_order
    from gatviz.neighbourhood import hop_counts, sample_subgraph
    from gatviz.training import _batch_epoch, model_input, predict

    dataset = _dataset(args.size, args.dir / str(args.size))
    index, data = dataset.in_edges, dataset.data
    train_idx = data.train_mask.nonzero().view(-1)
    order = train_idx[epoch_order(train_idx.numel(), 0, 1)]
    batches = [order[k * BATCH : (k + 1) * BATCH].unique() for k in range(args.steps + 1)]
    fused, plain = _models(dataset)
    print(f"# {args.size:,} edge rows: {dataset.num_nodes:,} nodes, "
          f"{dataset.num_edges:,} directed edges, {train_idx.numel():,} training nodes, "
          f"{torch.get_num_threads()} threads", flush=True)  # fmt: skip

    def step(model, batch, trim: bool, generator) -> float:
        start = time.perf_counter()
        sub = sample_subgraph(index, batch, FANOUT, 2, generator)
        x = model_input(data.x.index_select(0, sub.nodes), torch.device("cpu"))
        hops = hop_counts(sub, 2) if trim else None
        logits = model(x, sub.edge_index, hops=hops)[: batch.numel()]
        loss = F.cross_entropy(logits, data.y[batch])
        model.zero_grad()
        loss.backward()
        return time.perf_counter() - start

    model_of = {"gatviz": fused, "untrimmed": fused, "pyg": plain}
    for name, model in model_of.items():
        model.train()
        generator = torch.Generator().manual_seed(0)  # the same neighbourhoods for each
        seconds = [step(model, b, name == "gatviz", generator) for b in batches]
        median = statistics.median(seconds[1:])  # the first warms the allocator up
        steps = -(-train_idx.numel() // BATCH)
        print(f"{name:10} {median:.3f} s a step (median of {args.steps}; "
              f"x {steps} steps = {median * steps:.0f} s an epoch)", flush=True)  # fmt: skip

    if args.epoch:
        optimizer = torch.optim.Adam(fused.parameters(), lr=0.005)
        config = TrainConfig(batch_size=BATCH, fanout=FANOUT)
        start = time.perf_counter()
        _batch_epoch(fused, optimizer, dataset, train_idx, config, torch.device("cpu"), 1, World())
        trained = time.perf_counter() - start
        start = time.perf_counter()
        predict(fused, dataset)
        evaluated = time.perf_counter() - start
        print(f"epoch: training pass {trained:.1f} s, evaluation {evaluated:.1f} s, "
              f"together {trained + evaluated:.1f} s", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
