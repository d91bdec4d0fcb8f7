import json
import subprocess
import sys

import pandas as pd
import pytest

from gatviz.cli import main
from gatviz.intervention import DELETION_COLUMNS


def test_datasets_lists_every_name(capsys):
    assert main(["datasets"]) == 0
    out = capsys.readouterr().out
    for name in ("karate", "cora", "citeseer", "pubmed", "ba-shapes", "planted", "csv"):
        assert name in out


def test_train_attention_render(tmp_path, capsys):
    ckpt = tmp_path / "k.safetensors"
    assert (
        main(
            [
                "train",
                "--dataset",
                "karate",
                "--epochs",
                "20",
                "--heads",
                "4",
                "--residual",
                "input",
                "--seed",
                "1",
                "--out",
                str(ckpt),
            ]
        )
        == 0
    )
    metrics = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert metrics["epochs_run"] <= 20 and 0 <= metrics["test_acc"] <= 1
    assert main(["attention", "--checkpoint", str(ckpt), "--out", str(tmp_path / "a.csv")]) == 0
    table = pd.read_csv(tmp_path / "a.csv")
    assert list(table.columns) == ["layer", "head", "source", "target", "alpha", "is_self_loop"]
    assert table["head"].max() == 3
    out = tmp_path / "view.html"
    assert (
        main(
            [
                "render",
                "--checkpoint",
                str(ckpt),
                "--node",
                "0",
                "--hops",
                "2",
                "--layer",
                "1",
                "--head",
                "mean",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert "vis.Network" in out.read_text()


def test_csv_graph_from_files(tmp_path, capsys):
    (tmp_path / "e.csv").write_text("source,target\n1,2\n2,3\n3,1\n3,4\n")
    (tmp_path / "n.csv").write_text("id,label\n1,a\n2,a\n3,b\n4,b\n")
    assert (
        main(
            [
                "train",
                "--edges",
                str(tmp_path / "e.csv"),
                "--nodes",
                str(tmp_path / "n.csv"),
                "--epochs",
                "3",
            ]
        )
        == 0
    )
    assert json.loads(capsys.readouterr().out)["dataset"] == "e"


@pytest.mark.parametrize(
    "argv, message",
    [
        (["train", "--residual", "yes"], "invalid choice: 'yes'"),
        (["train", "--heads", "0"], "heads must be between 1 and 64 (got 0)"),
        (["train", "--dataset", "mnist"], "unknown dataset 'mnist'"),
        (
            ["render", "--checkpoint", "/nonexistent.safetensors", "--out", "x.html"],
            "no checkpoint file at",
        ),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
    ],
)
def test_bad_arguments_exit_non_zero_with_one_line(argv, message, capsys):
    try:
        code = main(argv)
    except SystemExit as exit_:
        code = exit_.code
    err = capsys.readouterr().err.strip()
    assert code != 0 and message in err
    assert len(err.splitlines()) == 1 and "Traceback" not in err


def test_module_entry_point():
    run = subprocess.run(
        [sys.executable, "-m", "gatviz", "train", "--layers", "9"], capture_output=True, text=True
    )
    assert run.returncode == 1
    assert run.stderr.strip() == "gatviz: error: layers must be between 1 and 4 (got 9)"


def test_analyze_writes_every_table_and_the_headline_json(karate_checkpoint, tmp_path, capsys):
    out = tmp_path / "analysis"
    assert main(["analyze", "--checkpoint", str(karate_checkpoint), "--out", str(out)]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert {
        "test_acc",
        "test_acc_uniform_attention",
        "predictions_changed_uniform",
        "layers",
    } <= set(summary)
    assert len(summary["layers"]) == 2
    head = summary["layers"][0]["heads"][0]
    assert {"kl_from_uniform_mean", "same_class_mass", "same_class_mass_uniform"} <= set(head)
    assert summary["layers"][0]["ranking_consistency"] == 1.0
    deletion = pd.read_csv(out / "deletion.csv")
    assert list(deletion.columns) == DELETION_COLUMNS
    assert summary["test_rows"] == 7 and summary["test_acc_interval"][0] < summary["test_acc"]
    low, high = summary["uniform_minus_learned_interval"]
    assert low <= summary["uniform_minus_learned"] <= high
    assert summary["deletion"]["k"] == 5 and "p_value" in summary["deletion"]["most_attended"]
    assert sorted(deletion["k"].unique()) == [0, 1, 2, 3, 4, 5]
    assert {
        "kl_from_uniform.csv",
        "head_agreement.csv",
        "same_class.csv",
        "ranking_consistency.csv",
        "uniform_knockout.csv",
    } <= {p.name for p in out.iterdir()}
    assert (
        main(["analyze", "--checkpoint", str(karate_checkpoint), "--layer", "7", "--out", str(out)])
        == 1
    )
    assert "--layer must be 0 to 1" in capsys.readouterr().err


def test_analyze_reports_ground_truth_beside_its_baselines(tmp_path, capsys):
    ckpt = tmp_path / "ba.safetensors"
    assert main(["train", "--dataset", "ba-shapes", "--epochs", "30", "--out", str(ckpt)]) == 0
    capsys.readouterr()
    assert (
        main(["analyze", "--checkpoint", str(ckpt), "--no-deletion", "--out", str(tmp_path / "a")])
        == 0
    )
    layer = json.loads(capsys.readouterr().out)["layers"][0]
    assert layer["ground_truth_mask"] == "motif"
    assert layer["auroc_inverse_degree"] > 0.9 and 0.4 < layer["auroc_random"] < 0.6
    assert not (tmp_path / "a" / "deletion.csv").exists()


def test_dictionary_lookup_gatv2_fits_and_gat_cannot(capsys):
    """The GATv2 paper's task, with the issue's exact command: 1 layer, 1 head, no dropout."""
    accuracy = {}
    for conv in ("gatv2", "gat"):
        assert (
            main(
                [
                    "train",
                    "--dataset",
                    "dictionary-lookup",
                    "--layers",
                    "1",
                    "--heads",
                    "1",
                    "--out-heads",
                    "1",
                    "--dropout",
                    "0",
                    "--attn-dropout",
                    "0",
                    "--conv",
                    conv,
                    "--epochs",
                    "500",
                    "--patience",
                    "0",
                ]
            )
            == 0
        )
        accuracy[conv] = json.loads(capsys.readouterr().out)["train_acc"]
    assert accuracy["gatv2"] >= 0.95
    assert accuracy["gat"] < 0.6


def test_an_empty_split_gives_strict_json_not_nan(tmp_path, capsys):
    (tmp_path / "e.csv").write_text("source,target\n1,2\n")
    (tmp_path / "n.csv").write_text("id,label\n1,a\n2,b\n")  # one node per class: no test node
    assert (
        main(
            [
                "train",
                "--edges",
                str(tmp_path / "e.csv"),
                "--nodes",
                str(tmp_path / "n.csv"),
                "--epochs",
                "2",
            ]
        )
        == 0
    )
    line = capsys.readouterr().out.strip()
    assert "NaN" not in line
    assert json.loads(line)["test_acc"] is None


def test_hostile_inputs_end_in_one_line_never_a_traceback(tmp_path, capsys):
    (tmp_path / "e.csv").write_bytes(b"source,target\n1,2\n2,3\n")
    (tmp_path / "n.csv").write_bytes(b"id,f,label\n1,1e400,a\n2,0,b\n3,1,a\n")
    (tmp_path / "deep.safetensors").write_bytes(
        (20_000).to_bytes(8, "little") + b"[" * 10_000 + b"]" * 10_000
    )
    cases = [
        (
            ["train", "--edges", str(tmp_path / "e.csv"), "--nodes", str(tmp_path / "n.csv")],
            "'1e400' is not a finite float32 number",
        ),
        (
            [
                "attention",
                "--checkpoint",
                str(tmp_path / "deep.safetensors"),
                "--out",
                str(tmp_path / "a.csv"),
            ],
            "nested more than 16 levels",
        ),
    ]
    for argv, says in cases:
        code = main(argv)
        err = capsys.readouterr().err
        assert "Traceback" not in err
        assert code == 1 and says in err and len(err.strip().splitlines()) == 1
    # A learning rate of 1.0 either trains (metrics as one JSON line) or diverges with the fix
    # named; nothing else.
    code = main(
        [
            "train",
            "--dataset",
            "karate",
            "--lr",
            "1.0",
            "--weight-decay",
            "0",
            "--epochs",
            "3",
            "--dropout",
            "0",
        ]
    )
    out, err = capsys.readouterr()
    if code == 0:
        assert json.loads(out)["epochs_run"] == 3 and not err
    else:
        assert code == 1 and "Lower the learning rate" in err and len(err.splitlines()) == 1


def test_cli_on_a_set_of_graphs(tmp_path, capsys):
    """train (with the graph task from the dataset), attention with a graph column, render one
    graph, analyze the test graphs, and datasets listing each task."""
    import pandas as pd

    checkpoint = tmp_path / "motifs.safetensors"
    common = ["--dataset", "ba-2motif"]
    assert (
        main(
            [
                "train",
                *common,
                "--epochs",
                "2",
                "--hidden",
                "4",
                "--heads",
                "2",
                "--out",
                str(checkpoint),
            ]
        )
        == 0
    )
    assert '"dataset": "ba-2motif"' in capsys.readouterr().out
    table = tmp_path / "alpha.csv"
    assert main(["attention", "--checkpoint", str(checkpoint), "--out", str(table)]) == 0
    frame = pd.read_csv(table)
    assert list(frame.columns[:2]) == ["graph", "layer"] and frame["graph"].nunique() == 1000
    page = tmp_path / "graph.html"
    assert (
        main(
            [
                "render",
                "--checkpoint",
                str(checkpoint),
                "--graph",
                "7",
                "--node",
                "3",
                "--out",
                str(page),
            ]
        )
        == 0
    )
    assert "base 3" in page.read_text()
    out = tmp_path / "analysis"
    assert (
        main(
            [
                "analyze",
                "--checkpoint",
                str(checkpoint),
                "--no-deletion",
                "--split",
                "test",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert "(test graphs)" in capsys.readouterr().out
    assert (out / "kl_train_vs_test.csv").is_file()
    assert main(["datasets"]) == 0
    listing = capsys.readouterr().out
    assert "mutag" in listing and "graph" in listing and "multilabel" in listing


def test_cli_mlp_baseline_beside_the_gat(capsys):
    assert (
        main(
            [
                "train",
                "--dataset",
                "neighbour-colours",
                "--epochs",
                "3",
                "--hidden",
                "4",
                "--heads",
                "1",
                "--mlp-baseline",
            ]
        )
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert {"mlp_train_acc", "mlp_val_acc", "mlp_test_acc", "test_acc"} <= set(out)


def test_analyze_with_seeds_writes_the_seed_tables_and_their_summary(
    karate_checkpoint, tmp_path, capsys
):
    out = tmp_path / "seeds"
    args = ["analyze", "--checkpoint", str(karate_checkpoint), "--out", str(out)]
    assert main([*args, "--no-deletion", "--seeds", "2"]) == 0
    captured = capsys.readouterr()
    summary = json.loads(captured.out.strip().splitlines()[-1])
    study = summary["seed_study"]
    assert len(study["seeds"]) == 2 and len(study["layers"]) == 2
    assert 0 <= study["churn_mean"] <= 1
    assert "seed study: 2 of 2 models trained" in captured.err
    for stem in ("seed_edges", "seed_agreement", "seed_top_neighbour", "seed_churn"):
        assert (out / f"{stem}.csv").exists()
    assert main([*args, "--seeds", "1"]) == 1
    assert "seeds must be between 2 and 20" in capsys.readouterr().err


def test_analyze_with_attributions_writes_every_methods_edge_scores(
    karate_checkpoint, tmp_path, capsys
):
    out = tmp_path / "attributions"
    args = ["analyze", "--checkpoint", str(karate_checkpoint), "--out", str(out)]
    assert main([*args, "--no-deletion", "--attributions", "2"]) == 0
    captured = capsys.readouterr()
    summary = json.loads(captured.out.strip().splitlines()[-1])
    explained = summary["attributions"]
    assert explained["level"] == "node" and len(explained["rows"]) == 2
    assert set(explained["deletion"]) >= {"alpha_mean", "saliency", "random"}
    assert explained["deletion"]["saliency"]["0"] == 1.0
    assert explained["ground_truth_auroc"] == []  # karate marks no edges
    edges = pd.read_csv(out / "attribution_edges.csv")
    assert {
        "integrated_gradients",
        "saliency",
        "gnnexplainer",
        "alpha_gradient",
        "attention_flow",
        "alpha_layer0",
        "node",
    } <= set(edges.columns)
    agreement = pd.read_csv(out / "attribution_agreement.csv")
    assert {"alpha", "method", "spearman", "spearman_low", "kendall", "top_k_overlap"} <= set(
        agreement.columns
    )
    deletion = pd.read_csv(out / "attribution_deletion.csv")
    assert {"ranking", "k", "kept", "kept_low", "kept_high", "rows"} <= set(deletion.columns)
    assert "attributions: 2 of 2 scored" in captured.err
