"""Command line: ``python -m gatviz datasets | train | attention | render | analyze``.

Every subcommand builds the same config dataclasses as the app and the tests. Bad arguments and
bad input end with a one-line reason on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import fields, replace
from pathlib import Path

from gatviz.config import ACTIVATIONS, CONVS, POOLS, RESIDUALS, ModelConfig, TrainConfig
from gatviz.errors import GatvizError
from gatviz.presets import PRESETS, preset


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error on one line (exit status 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _bool(text: str) -> bool:
    if text.lower() in ("1", "true", "yes", "on"):
        return True
    if text.lower() in ("0", "false", "no", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


def _add_dataset_args(parser: argparse.ArgumentParser, default: str | None = "karate") -> None:
    parser.add_argument(
        "--dataset",
        default=default,
        help="dataset name (see `gatviz datasets`); default: %(default)s",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="where Planetoid data is cached (default: $GATVIZ_DATA_DIR or the user cache dir)",
    )
    parser.add_argument(
        "--edges", type=Path, help="CSV edge list (source,target) instead of a named dataset"
    )
    parser.add_argument("--nodes", type=Path, help="CSV node table (id[,name][,label][,...])")
    parser.add_argument(
        "--pack", type=Path, help="a folder written by `gatviz pack`, memory-mapped, not read"
    )
    parser.add_argument(
        "--split-seed",
        type=int,
        default=0,
        help="seed of the random split for datasets without one",
    )


def _load(args: argparse.Namespace, name: str | None = None):
    from gatviz.csv_graph import load_csv
    from gatviz.datasets import load_dataset

    if getattr(args, "pack", None) is not None:
        from gatviz.pack import load_pack

        return load_pack(args.pack)
    if args.edges is not None:
        return load_csv(args.edges, args.nodes, name=args.edges.stem, seed=args.split_seed)
    if args.nodes is not None:
        raise GatvizError("--nodes needs --edges too")
    return load_dataset(name or args.dataset, root=args.data_dir, seed=args.split_seed)


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="gatviz", description="Train GATs and explore their attention.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    commands.add_parser("datasets", help="list the datasets")

    train = commands.add_parser("train", help="train a GAT and print its metrics as JSON")
    _add_dataset_args(train)
    train.add_argument(
        "--preset",
        choices=sorted(PRESETS),
        default="reference",
        help="a paper's settings; the options given beside it override them",
    )
    # Defaults are None: what is not given comes from the preset.
    train.add_argument("--layers", type=int)
    train.add_argument("--hidden", type=int)
    train.add_argument("--heads", type=int)
    train.add_argument("--out-heads", type=int)
    train.add_argument("--out-concat", type=_bool)
    train.add_argument("--dropout", type=float)
    train.add_argument("--attn-dropout", type=float)
    train.add_argument("--activation", choices=ACTIVATIONS)
    train.add_argument("--negative-slope", type=float)
    train.add_argument("--self-loops", type=_bool)
    train.add_argument("--residual", choices=RESIDUALS)
    train.add_argument("--conv", choices=CONVS)
    train.add_argument("--lr", type=float)
    train.add_argument("--weight-decay", type=float)
    train.add_argument("--epochs", type=int)
    train.add_argument(
        "--patience", type=int, help="early-stopping patience; 0 runs exactly --epochs"
    )
    train.add_argument("--seed", type=int)
    train.add_argument("--device")
    train.add_argument(
        "--batch-size",
        type=int,
        help="training nodes per step on sampled neighbourhoods; 0 (default) "
        "trains on the whole graph at once",
    )
    train.add_argument(
        "--fanout",
        type=int,
        help="with --batch-size: in-edges sampled per node and layer (0 = all)",
    )
    train.add_argument(
        "--graph-batch", type=int, help="sets of graphs: training graphs per step (PPI paper: 2)"
    )
    train.add_argument("--pool", choices=POOLS, help="graph tasks: the readout over nodes")
    train.add_argument(
        "--linear-out",
        type=_bool,
        help="a linear layer reads the classes from the last GAT layer's hidden units",
    )
    train.add_argument(
        "--mlp-baseline",
        action="store_true",
        help="also train an MLP on the node features alone (the same widths and "
        "settings, no edges) and print its scores beside the GAT's",
    )
    train.add_argument("--out", type=Path, help="write the checkpoint (.safetensors) here")
    train.add_argument(
        "--nproc",
        type=int,
        help="data-parallel training in this many processes on this machine: starts torchrun "
        "(needs --batch-size; each process takes --batch-size seed nodes per step)",
    )
    train.add_argument(
        "--nnodes",
        type=int,
        default=1,
        help="with --nproc: machines in the job; each runs the same command with the same "
        "--rdzv-endpoint (torchrun's c10d rendezvous)",
    )
    train.add_argument(
        "--rdzv-endpoint", help="with --nnodes > 1: host:port of the rendezvous (on one machine)"
    )
    train.add_argument(
        "--rdzv-timeout",
        type=float,
        default=60,
        help="with --nnodes > 1: seconds to wait for the rendezvous (default: %(default)s)",
    )
    train.add_argument(
        "--backend",
        choices=("auto", "gloo", "nccl"),
        default="auto",
        help="under torchrun: the torch.distributed backend (auto: nccl on GPUs, else gloo)",
    )

    attention = commands.add_parser(
        "attention",
        help="write a checkpoint's attention as CSV (or Parquet, for an --out ending in .parquet)",
    )
    attention.add_argument("--checkpoint", type=Path, required=True)
    _add_dataset_args(attention, default=None)
    attention.add_argument("--out", type=Path, required=True)

    pack = commands.add_parser(
        "pack",
        help="write a graph as a folder of memory-mapped arrays (read back with --pack): "
        "processes on one machine then share one copy",
    )
    _add_dataset_args(pack)
    pack.add_argument("--out", type=Path, required=True, help="a new (or empty) folder")
    pack.add_argument(
        "--memory-mb",
        type=int,
        default=256,
        help="with --edges: the files are read out of core, in chunks; this bounds the edges "
        "held at once (default: %(default)s; a few times this is the peak)",
    )

    render = commands.add_parser("render", help="write an attention overlay as HTML")
    render.add_argument("--checkpoint", type=Path, required=True)
    _add_dataset_args(render, default=None)
    render.add_argument(
        "--graph",
        type=int,
        default=None,
        help="a set of many graphs: the graph to draw (its nodes are numbered "
        "from 0); default: the first",
    )
    render.add_argument(
        "--node", default=None, help="centre node id or name (default: the whole graph)"
    )
    render.add_argument("--hops", type=int, default=2)
    render.add_argument("--layer", type=int, default=0)
    render.add_argument("--head", default="mean", help="head index, 'mean' or 'max'")
    render.add_argument("--threshold", type=float, default=0.0)
    render.add_argument("--top-k", type=int, default=None)
    render.add_argument(
        "--max-edges",
        type=int,
        default=None,
        help="draw at most this many edges, the strongest by α × |N(i)| (the "
        "centre's own first); 0 draws all (default: "
        "gatviz.overlay.READABLE_EDGES, a few hundred)",
    )
    render.add_argument("--self-loops", type=_bool, default=True)
    render.add_argument("--color-by", default="class", choices=("class", "prediction", "correct"))
    render.add_argument("--out", type=Path, required=True)

    analyze = commands.add_parser(
        "analyze",
        help="measure a checkpoint's attention against its baselines; write the "
        "tables as CSV and print the headline numbers as one JSON line",
    )
    analyze.add_argument("--checkpoint", type=Path, required=True)
    _add_dataset_args(analyze, default=None)
    analyze.add_argument(
        "--layer", type=int, default=0, help="layer whose α picks the edges of the deletion curves"
    )
    analyze.add_argument(
        "--no-deletion", action="store_true", help="skip the deletion curves (the slowest part)"
    )
    analyze.add_argument("--seed", type=int, default=0, help="seeds the random baselines")
    analyze.add_argument(
        "--split",
        choices=("train", "val", "test", "all"),
        default="test",
        help="a set of many graphs: the graphs measured (default: test)",
    )
    analyze.add_argument(
        "--attributions",
        type=int,
        nargs="?",
        const=20,
        default=0,
        metavar="NODES",
        help="also score the edges of NODES sampled test nodes (test graphs for a graph task; "
        "default 20) with every attribution method: how far α agrees with each, each method's "
        "deletion curve and, where the dataset has one, its ground-truth AUROC",
    )
    analyze.add_argument(
        "--seeds",
        type=int,
        default=0,
        help="also retrain the checkpoint's settings with K seeds (its own seed first) and "
        "measure how much α and the predictions agree across them (default: 0, off)",
    )
    analyze.add_argument("--out", type=Path, required=True, help="folder for the CSV tables")
    return parser


def _cmd_datasets(args: argparse.Namespace) -> None:
    from gatviz.datasets import DATASETS, DEFAULT_DATASET, TASK_OF

    for name, summary in DATASETS.items():
        marker = " (default)" if name == DEFAULT_DATASET else ""
        task = TASK_OF.get(name, "node")
        print(f"{name:18} {task:10} {summary}{marker}")
    print(
        f"{'csv':18} {'node':10} your own graph: --edges edges.csv [--nodes nodes.csv] (CSV "
        "or Parquet)"
    )


def _launch_torchrun(args: argparse.Namespace) -> None:
    """``--nproc N``: the same command under torchrun (see :mod:`gatviz.launch`)."""
    from gatviz import launch

    if not args.batch_size:
        raise GatvizError(
            "--nproc trains in mini-batches split across the processes: give --batch-size"
        )
    command = launch.torchrun_command(
        args.argv, args.nproc, args.nnodes, args.rdzv_endpoint, args.rdzv_timeout
    )
    if args.nnodes > 1:
        launch.check_rendezvous(args.rdzv_endpoint, args.rdzv_timeout)
    launch.run_torchrun(command)


def _cmd_train(args: argparse.Namespace) -> None:
    from gatviz import distributed
    from gatviz.checkpoint import save_checkpoint
    from gatviz.training import train

    if args.nproc is not None:
        return _launch_torchrun(args)
    world = distributed.world_from_env()
    if world is not None and world.size > 1:
        distributed.start(world, args.backend)
        try:
            _train_command(args, train, save_checkpoint, world)
        finally:
            distributed.stop()
        return
    _train_command(args, train, save_checkpoint, None)


def _train_command(args: argparse.Namespace, train, save_checkpoint, world) -> None:
    """Train as the options say; only rank 0 (or the one process) prints and writes."""
    dataset = _load(args)
    chosen = preset(args.preset)
    given = {key: value for key, value in vars(args).items() if value is not None}
    model_config = replace(
        chosen.model,
        task=dataset.task,
        **{f.name: given[f.name] for f in fields(ModelConfig) if f.name in given},
    )
    train_config = replace(
        chosen.train, **{f.name: given[f.name] for f in fields(TrainConfig) if f.name in given}
    )
    result = train(dataset, model_config, train_config, world=world)
    if world is not None and not world.main:
        return
    metrics = {"dataset": dataset.name, **result.metrics}
    if world is not None:
        metrics["world_size"] = world.size
    if args.mlp_baseline:
        from gatviz.baselines import mlp_baseline

        scores = mlp_baseline(dataset, model_config, train_config)
        metrics.update({f"mlp_{split}_acc": score for split, score in scores.items()})
    if args.out is not None:
        save_checkpoint(args.out, result.model, dataset, train_config, result.metrics)
        metrics["checkpoint"] = str(args.out)
    print(json_line(metrics))


def _checkpoint_and_dataset(args: argparse.Namespace):
    from gatviz.checkpoint import read_checkpoint

    checkpoint = read_checkpoint(args.checkpoint)
    if not (args.dataset or args.edges or args.pack or checkpoint.dataset):
        raise GatvizError(
            "the checkpoint does not name its dataset (a PyG model exported "
            "without 'dataset'); give --dataset, --edges or --pack"
        )
    dataset = _load(args, args.dataset or checkpoint.dataset)
    for note in checkpoint.check_fits(dataset):
        print(f"note: {note}", file=sys.stderr)
    return checkpoint, dataset


def _cmd_attention(args: argparse.Namespace) -> None:
    from gatviz.attention import dataset_attention, write_attention_table

    checkpoint, dataset = _checkpoint_and_dataset(args)
    layers = dataset_attention(checkpoint.build_model(), dataset)
    graph_of = dataset.batch if dataset.num_graphs > 1 else None
    shown = [-1]

    def progress(written: int, total: int) -> None:
        percent = 100 * written // max(total, 1)
        if percent // 10 > shown[0] // 10 and total > 1_000_000:  # every 10 %, big tables only
            print(f"{written:,} of {total:,} rows ({percent} %)", file=sys.stderr, flush=True)
            shown[0] = percent

    rows = write_attention_table(layers, args.out, progress, graph_of=graph_of)
    print(f"wrote {rows:,} rows to {args.out}")


def _cmd_render(args: argparse.Namespace) -> None:
    from gatviz.attention import dataset_attention, neighbourhood_attention
    from gatviz.overlay import OverlayOptions, overlay_html
    from gatviz.training import predict

    checkpoint, dataset = _checkpoint_and_dataset(args)
    model = checkpoint.build_model()
    if args.graph is not None or dataset.num_graphs > 1:
        dataset = dataset.graph(args.graph or 0)
    node = None if args.node is None else dataset.node_index(args.node)
    options = OverlayOptions(
        node=node,
        hops=args.hops,
        layer=args.layer,
        head=args.head,
        threshold=args.threshold,
        top_k=args.top_k,
        self_loops=args.self_loops,
        color_by=args.color_by,
    )
    if args.max_edges is not None:  # else the overlay's readable default
        options = replace(options, max_edges=args.max_edges or None)
    if node is None:
        attention, (pred, prob) = dataset_attention(model, dataset), predict(model, dataset)
    else:  # only the node's receptive field: exact, and fast on a big graph
        local = neighbourhood_attention(model, dataset, node, args.hops)
        attention, pred, prob = local.attention, local.pred, local.prob
    if dataset.task == "graph":  # the graph's class, not the nodes': nodes show their types
        args.out.write_text(overlay_html(dataset, attention, options), encoding="utf-8")
    else:
        args.out.write_text(overlay_html(dataset, attention, options, pred, prob), encoding="utf-8")
    print(f"wrote {args.out}")


def _cmd_analyze(args: argparse.Namespace) -> None:
    from gatviz.report import analyze

    checkpoint, dataset = _checkpoint_and_dataset(args)
    whole = dataset  # a seed study trains on every graph of a set, not on the split measured
    model = checkpoint.build_model()
    extra = {}
    if dataset.num_graphs > 1:  # train graphs beside test graphs, on the whole set's α
        from gatviz.attention import dataset_attention
        from gatviz.inductive_analysis import divergence_by_split

        extra["kl_train_vs_test"] = divergence_by_split(
            dataset_attention(model, dataset), dataset, seed=args.seed
        )
    if dataset.num_graphs > 1 and args.split != "all":
        dataset = dataset.subset(
            dataset.split_graphs(args.split), f"{dataset.name} ({args.split} graphs)"
        )
    if not 0 <= args.layer < model.config.layers:
        raise GatvizError(f"--layer must be 0 to {model.config.layers - 1} (got {args.layer})")
    report = analyze(model, dataset, None if args.no_deletion else args.layer, seed=args.seed)
    summary = {"dataset": dataset.name, **report.summary()}
    if args.attributions:
        from gatviz.explanations import attribution_study

        def scored(done: int, total: int) -> None:
            print(f"attributions: {done} of {total} scored", file=sys.stderr, flush=True)

        explained = attribution_study(model, whole, args.attributions, args.seed, scored)
        extra.update(explained.tables())
        summary["attributions"] = explained.summary()
    if args.seeds:
        from gatviz.seeds import seed_study

        def progress(done: int, total: int) -> None:
            print(f"seed study: {done} of {total} models trained", file=sys.stderr, flush=True)

        study = seed_study(
            whole,
            checkpoint.model_config,
            checkpoint.train_config,
            seeds=args.seeds,
            on_seed=progress,
        )
        extra.update(study.tables())
        summary["seed_study"] = study.summary()
    args.out.mkdir(parents=True, exist_ok=True)
    for stem, table in {**report.tables(), **extra}.items():
        table.to_csv(args.out / f"{stem}.csv", index=False)
    print(json_line({**summary, "out": str(args.out)}))


def json_line(values: dict) -> str:
    """One line of strict JSON: a NaN (an empty split has no accuracy) becomes null."""

    def clean(value):
        if isinstance(value, float) and not math.isfinite(value):
            return None
        if isinstance(value, dict):
            return {key: clean(item) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [clean(item) for item in value]
        return value

    return json.dumps(clean(values), allow_nan=False)


def _cmd_pack(args: argparse.Namespace) -> None:
    from gatviz.pack import load_pack, write_pack

    if args.memory_mb < 1:
        raise GatvizError(f"--memory-mb must be at least 1 (got {args.memory_mb})")
    if args.edges is not None and args.pack is None:  # files of any size: out of core
        from gatviz.pack_build import build_pack

        folder = build_pack(args.edges, args.nodes, args.out, name=args.edges.stem,
                            seed=args.split_seed, memory_mb=args.memory_mb)  # fmt: skip
        dataset = load_pack(folder)
    else:
        dataset = _load(args)
        folder = write_pack(dataset, args.out)
    size = sum(path.stat().st_size for path in folder.iterdir())
    print(json_line({"dataset": dataset.name, "nodes": dataset.num_nodes,
                     "edges": dataset.num_edges, "bytes": size, "out": str(folder)}))  # fmt: skip


COMMANDS = {
    "datasets": _cmd_datasets,
    "pack": _cmd_pack,
    "train": _cmd_train,
    "attention": _cmd_attention,
    "render": _cmd_render,
    "analyze": _cmd_analyze,
}


def main(argv: list[str] | None = None) -> int:
    args = _build_parser().parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)  # --nproc starts them again
    try:
        COMMANDS[args.command](args)
    except GatvizError as error:
        print(f"gatviz: error: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(
            f"gatviz: error: {error.strerror or error}: {error.filename or ''}".rstrip(": "),
            file=sys.stderr,
        )
        return 1
    except MemoryError:
        print("gatviz: error: out of memory; try a smaller graph or model", file=sys.stderr)
        return 1
    except Exception as error:  # noqa: BLE001 - a bug: still one line, never a traceback
        print(
            f"gatviz: internal error ({type(error).__name__}: {str(error)[:200]}); please "
            "report it with the command that caused it",
            file=sys.stderr,
        )
        return 2
    return 0
