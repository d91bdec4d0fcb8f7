"""How long each analysis of gatviz.analysis takes on Cora, after the model is trained.

Trains the reference GAT (8 heads x 8 hidden, 200 epochs, seed 0) on Cora, then times each
analysis (median of several runs) and prints the headline numbers beside their baselines, so the
figures in the README can be checked. Goals: every analysis except the deletion curves and the
snapshots under 2 s in all; deletion curves up to k = 5 under 10 s. Data: $GATVIZ_DATA_DIR if
set, else ../shared/datasets/planetoid. Run it alone: two torch processes on two cores slow each
other down many times over.

The model is the reference GAT unless told otherwise: ``--preset`` starts from one of
gatviz.presets and the knob options override it. With ``--snapshots``, it also prints each α
snapshot's mean KL from uniform, per layer (the Analysis page's replay).

Usage: python bench/analysis_speed.py [--dataset cora] [--conv gat|gatv2] [--repeats 3]
           [--preset NAME] [--layers L] [--heads H] [--hidden C] [--dropout P]
           [--attn-dropout P] [--epochs E] [--patience P] [--seed S] [--snapshots]
  e.g. the docs' DictionaryLookup figures:
       python bench/analysis_speed.py --dataset dictionary-lookup --conv gatv2 --layers 1 \
           --heads 1 --dropout 0 --attn-dropout 0 --epochs 500 --patience 0
"""

from __future__ import annotations

import argparse
from dataclasses import replace
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from planetoid_data import bench_dataset  # noqa: E402
from timing import timed  # noqa: E402
from gatviz import analysis, report as reporting  # noqa: E402
from gatviz.attention import dataset_attention, explain_alpha  # noqa: E402
from gatviz.intervention import deletion_curves, uniform_knockout  # noqa: E402
from gatviz.presets import PRESETS, preset  # noqa: E402
from gatviz.training import train  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="cora")
    parser.add_argument("--conv", default="gat", choices=("gat", "gatv2"))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--preset", default="reference", choices=list(PRESETS))
    for knob, kind in (
        ("layers", int),
        ("heads", int),
        ("hidden", int),
        ("dropout", float),
        ("attn-dropout", float),
    ):
        parser.add_argument(f"--{knob}", type=kind, help="ModelConfig: overrides the preset")
    for knob in ("epochs", "patience", "seed"):
        parser.add_argument(f"--{knob}", type=int, help="TrainConfig: overrides the preset")
    parser.add_argument("--snapshots", action="store_true", help="print the KL over training")
    args = parser.parse_args()
    chosen = preset(args.preset)
    model_config = replace(
        chosen.model,
        conv=args.conv,
        **{
            knob: getattr(args, knob)
            for knob in ("layers", "heads", "hidden", "dropout", "attn_dropout")
            if getattr(args, knob) is not None
        },
    )
    train_config = replace(
        chosen.train,
        **{
            knob: getattr(args, knob)
            for knob in ("epochs", "patience", "seed")
            if getattr(args, knob) is not None
        },
    )
    dataset = bench_dataset(args.dataset)
    start = time.perf_counter()
    result = train(dataset, model_config, train_config)
    metrics = result.metrics
    print(
        f"{dataset.name}: trained {args.conv} in {time.perf_counter() - start:.1f} s "
        f"({model_config}; {train_config}): train acc {metrics['train_acc']:.3f}, test acc "
        f"{metrics['test_acc']:.3f}, best epoch {metrics['best_epoch']} of "
        f"{metrics['epochs_run']} run"
    )
    model, n = result.model, dataset.num_nodes
    attention = dataset_attention(model, dataset)
    hub = int(dataset.data.edge_index[1].bincount().argmax())
    steps = {
        "attention (extract α)": lambda: dataset_attention(model, dataset),
        "KL / entropy per node": lambda: analysis.kl_by_head(
            analysis.node_divergence(attention, n)
        ),
        "head agreement (JS)": lambda: analysis.head_agreement(attention, n),
        "same-class mass": lambda: analysis.same_class_mass(attention, dataset.data.y),
        "ranking consistency": lambda: analysis.ranking_consistency(attention, n),
        "uniform knockout": lambda: uniform_knockout(model, dataset),
        "ground-truth AUROC": lambda: analysis.ground_truth_auroc(attention, dataset),
        "explain α (hub, layer 0)": lambda: explain_alpha(
            model, dataset.data.x, dataset.data.edge_index, 0, hub, 0
        ),
    }
    total = 0.0
    print(f"{'analysis':28} {'seconds':>8}")
    for name, step in steps.items():
        seconds, _ = timed(step, args.repeats)
        total += seconds
        print(f"{name:28} {seconds:8.3f}")
    print(f"{'all of the above':28} {total:8.3f}   (goal < 2 s)")
    seconds, curves = timed(lambda: deletion_curves(model, dataset, attention, 0), 1)
    print(f"{'deletion curves k = 0..5':28} {seconds:8.3f}   (goal < 10 s)")
    seconds, report = timed(lambda: reporting.analyze(model, dataset), 1)
    print(f"{'analyze() end to end':28} {seconds:8.3f}")
    print()
    print("\n".join(reporting.describe(report)))
    print()
    print(report.kl.to_string(index=False, float_format="{:.4g}".format))
    print(report.same_class.round(3).to_string(index=False))
    print(report.ranking.round(3).to_string(index=False))
    print(report.knockout.round(3).to_string(index=False))
    print(curves.round(3).to_string(index=False))
    if not report.ground_truth.empty:
        print(report.ground_truth.round(3).to_string(index=False))
    if args.snapshots:
        print("\nmean KL from uniform (nats) at each α snapshot, per layer (mean over heads)")
        for snapshot in result.snapshots:
            kl = analysis.kl_by_head(analysis.node_divergence(snapshot.attention, n))
            per_layer = kl.groupby("layer")["kl_from_uniform_mean"].mean()
            print(
                f"epoch {snapshot.epoch:4d}: "
                + "  ".join(f"layer {k} {v:.4f}" for k, v in per_layer.items())
            )


if __name__ == "__main__":
    main()
