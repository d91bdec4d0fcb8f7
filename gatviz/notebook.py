"""gatviz in a notebook: the overlay and the charts as objects that Jupyter displays.

:func:`show` returns an :class:`HTMLView`, whose ``_repr_html_`` is one ``<iframe>`` with the
whole overlay page in its ``srcdoc``: vis-network is inlined and nothing is fetched from a CDN,
so it draws the same in JupyterLab, Jupyter Notebook 7, VS Code and Colab, offline too (plain
pyvis output is known to go blank in VS Code and to fail with "vis is not defined" in Colab).
The page's own scripts run inside the iframe's sandbox, apart from the notebook's.

:func:`show_heads`, :func:`show_embedding` and :func:`show_analysis` draw the app's charts
(:mod:`gatviz.figures`) the same way: one page each, with Vega, Vega-Lite and vega-embed inlined
by altair (``inline=True``, which takes the bundle from vl-convert-python: ``pip install
vl-convert-python``, or ``pip install gatviz[notebook]``). Altair's own notebook renderers load
them from a CDN.
"""

from __future__ import annotations

import html as html_module
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from gatviz.attention import dataset_attention
from gatviz.datasets import GraphDataset
from gatviz.errors import GatvizError
from gatviz.model import GAT
from gatviz.overlay import LEGEND_HEIGHT, OverlayOptions, overlay_html
from gatviz.training import predict


@dataclass(frozen=True)
class HTMLView:
    """A standalone HTML page (``page``) that a notebook shows in an iframe ``height`` pixels
    tall; ``save(path)`` writes the page itself."""

    page: str
    height: int = 640 + LEGEND_HEIGHT

    def _repr_html_(self) -> str:
        return (
            f'<iframe srcdoc="{html_module.escape(self.page, quote=True)}" '
            f'style="width:100%;height:{self.height + 16}px;border:0" '
            'sandbox="allow-scripts" loading="eager"></iframe>'
        )

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_text(self.page, encoding="utf-8")
        return path


def show(
    model: GAT,
    dataset: GraphDataset,
    node: int | None = None,
    layer: int = 0,
    head: int | str = "mean",
    hops: int = 2,
    **options: Any,
) -> HTMLView:
    """The attention overlay of ``model`` on ``dataset``, for a notebook cell to display.

    Args:
        model (GAT): a trained model.
        dataset (GraphDataset): the graph.
        node (int, optional): the centre of the view; None draws the whole graph.
        layer (int): the layer whose α is drawn. (default: 0)
        head (int | str): a head, or 'mean' / 'max'. (default: 'mean')
        hops (int): how far the view reaches around ``node``, 1 to 3. (default: 2)
        **options: any other :class:`~gatviz.overlay.OverlayOptions` field (``top_k``,
            ``color_by``, ``edge_scale``, ``height``, ...).
    """
    chosen = OverlayOptions(node=node, layer=layer, head=head, hops=hops, **options)
    attention = dataset_attention(model, dataset)
    pred, prob = predict(model, dataset)
    page = overlay_html(dataset, attention, chosen, pred, prob)
    return HTMLView(page, chosen.height + LEGEND_HEIGHT)


class ScriptSafeJSON(json.JSONEncoder):
    """JSON that cannot end the ``<script>`` it is written into: every ``<`` is ``\\u003c``
    (a node name from a file may hold ``</script>``)."""

    def encode(self, o: Any) -> str:
        return super().encode(o).replace("<", "\\u003c")


def chart_view(spec: dict, height: int, heading: list[str] | None = None) -> HTMLView:
    """A Vega-Lite ``spec`` as a self-contained page (the libraries inlined), ``height`` pixels
    tall, under ``heading``'s lines (shown as text, never as markup)."""
    from altair.utils.html import spec_to_html
    from altair.vegalite.v6.display import VEGA_VERSION, VEGAEMBED_VERSION, VEGALITE_VERSION

    try:
        page = spec_to_html(
            spec,
            mode="vega-lite",
            vega_version=VEGA_VERSION,
            vegaembed_version=VEGAEMBED_VERSION,
            vegalite_version=VEGALITE_VERSION,
            embed_options={"actions": False},  # no links out (the Vega editor)
            json_kwds={"cls": ScriptSafeJSON},
            template="inline",
        )
    except ImportError as error:
        raise GatvizError(
            "charts in a notebook inline Vega from vl-convert-python: pip install "
            "vl-convert-python (or pip install gatviz[notebook])"
        ) from error
    if heading:
        lines = "".join(f"<p>{html_module.escape(line)}</p>" for line in heading)
        block = f'<div style="font:13px sans-serif;color:#333">{lines}</div>'
        at = page.rindex("<body>") + len("<body>")  # the inlined bundle holds "<body>" too
        page = page[:at] + block + page[at:]
        height += 22 * len(heading)
    return HTMLView(page, height)


def show_heads(model: GAT, dataset: GraphDataset, node: int) -> HTMLView:
    """``node``'s incoming α in every layer (rows) and head (columns): the Attention page's
    "all heads at a glance", the 30 neighbours with the highest mean α."""
    from gatviz.figures import heads_grid_spec, heads_overview

    _check_node(dataset, node)
    layers = dataset_attention(model, dataset)
    overview, order, total = heads_overview(layers, node)
    heading = [f"Incoming α of node {node} ({dataset.node_names[node]}): a row per layer, a "
               "column per head, strongest neighbours first."]  # fmt: skip
    if total > len(order):
        heading.append(f"The {len(order)} neighbours with the highest mean α of {total:,}.")
    return chart_view(heads_grid_spec(overview, order), 140 * len(layers) + 60, heading)


def show_embedding(
    model: GAT,
    dataset: GraphDataset,
    method: str = "pca",
    color: str = "class",
    node: int | None = None,
    seed: int = 0,
) -> HTMLView:
    """The embedding view: the input of the last GAT layer in 2-D (``method`` 'pca', 'tsne' or
    'umap'), coloured by ``color`` ('class', 'prediction', 'correct', 'entropy' or 'kl'), with a
    diamond on ``node`` if given; hover a point for the node."""
    from gatviz.embedding import embedding_table
    from gatviz.figures import EMBEDDING_COLOURS, PROJECTION_NAMES, embedding_chart

    if color not in EMBEDDING_COLOURS:
        raise GatvizError(f"color must be one of {', '.join(EMBEDDING_COLOURS)} (got {color!r})")
    if node is not None:
        _check_node(dataset, node)
    table = embedding_table(model, dataset, method, seed=seed)
    spec = embedding_chart(table, dataset, color, -1 if node is None else node)
    spec["width"] = 640
    heading = [f"Each point is a node: its input to the last GAT layer, projected by "
               f"{PROJECTION_NAMES[method]}, coloured by {EMBEDDING_COLOURS[color]}."]  # fmt: skip
    return chart_view(spec, 480, heading)


def show_analysis(report: Any, layer: int | None = None, head: int = 0) -> HTMLView:
    """The Analysis page's main figures for an :class:`~gatviz.report.AnalysisReport`, under its
    sentences: mean KL from uniform per layer and head (with its interval on hover), the
    normalised entropy of ``layer`` and ``head`` (default: the last layer), the heads' agreement,
    the same-class mass beside uniform and, where the report has them, the deletion curve and
    the ground-truth AUROC."""
    import altair as alt

    from gatviz.figures import (
        deletion_chart,
        entropy_histogram,
        ground_truth_bars,
        heatmap,
        js_from_uniform_bars,
        same_class_bars,
    )
    from gatviz.report import describe

    layers = int(report.kl["layer"].max()) + 1
    layer = layers - 1 if layer is None else layer
    if not 0 <= layer < layers:
        raise GatvizError(f"layer must be 0 to {layers - 1} (got {layer})")
    heads = int(report.kl[report.kl["layer"] == layer]["head"].max()) + 1
    if not 0 <= head < heads:
        raise GatvizError(f"head must be 0 to {heads - 1} in layer {layer} (got {head})")
    width = 420
    nodes = report.divergence
    chosen = nodes[(nodes["layer"] == layer) & (nodes["head"] == head)].dropna(
        subset=["normalised_entropy"]
    )
    kl = report.kl.assign(
        interval=[f"[{a:.4f}, {b:.4f}]" for a, b in zip(report.kl["kl_from_uniform_low"],
                                                          report.kl["kl_from_uniform_high"])]
    )  # fmt: skip
    kl_chart = heatmap(kl, "head", "layer", "kl_from_uniform_mean", "KL")
    kl_chart = kl_chart.encode(
        tooltip=["layer", "head", alt.Tooltip("kl_from_uniform_mean", format=".4g"), "interval"]
    )
    charts = [
        kl_chart.properties(
            width=width, height=50 + 40 * layers, title="Mean KL from uniform (nats; 0 = uniform)"
        ),
        entropy_histogram(chosen["normalised_entropy"]).properties(
            width=width, title=f"H / log|N(i)|, layer {layer}, head {head} (uniform = 1)"
        ),
        heatmap(
            report.head_js[report.head_js["layer"] == layer], "head_a", "head_b", "js", "JS"
        ).properties(width=width, height=220, title=f"Head × head JS divergence, layer {layer}"),
        js_from_uniform_bars(report.js_uniform[report.js_uniform["layer"] == layer]).properties(
            width=width, title=f"Each head's JS from uniform, layer {layer}"
        ),
    ]
    same = report.same_class[report.same_class["layer"] == layer]
    if not same["same_class_mass"].isna().all():
        charts.append(same_class_bars(same).properties(
            width=width, title=f"Same-class α mass beside uniform, layer {layer}"
        ))  # fmt: skip
    if isinstance(report.deletion, pd.DataFrame) and len(report.deletion):
        charts.append(deletion_chart(report.deletion, "test_acc", "test accuracy").properties(
            width=width, title=f"Deleting edges by α, layer {report.deletion_layer}"
        ))  # fmt: skip
    if isinstance(report.ground_truth, pd.DataFrame) and len(report.ground_truth):
        charts.append(ground_truth_bars(report.ground_truth).properties(
            width=width, title="Ground truth: AUROC of α for the marked edges"
        ))  # fmt: skip
    figure = alt.vconcat(*charts).resolve_scale(color="independent")
    height = sum(_chart_height(chart) + 110 for chart in charts)  # titles, axes, legends
    return chart_view(figure.to_dict(), height, describe(report))


def _chart_height(chart: Any) -> int:
    height = chart.to_dict().get("height", 260)
    return height if isinstance(height, int) else 260


def _check_node(dataset: GraphDataset, node: int) -> None:
    if not 0 <= node < dataset.num_nodes:
        raise GatvizError(
            f"node {node} is not in the graph (it has nodes 0 to {dataset.num_nodes - 1})"
        )
