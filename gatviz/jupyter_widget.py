"""The overlay as a Jupyter widget (anywidget): a click on a node sends it back to Python.

:func:`widget` returns an :class:`AttentionWidget`. It draws the same self-contained overlay
page as :func:`gatviz.show` (one sandboxed iframe, nothing from a CDN); the page posts the
node a person clicks to the notebook, and the widget sets ``selected`` to it. Python then has
that node's incoming α in every layer and head as ``alpha_table``, beside the uniform share
1/|N(i)|, and ``widget.observe(callback, names="selected")`` runs code on each click.

anywidget (``pip install anywidget``, or ``pip install gatviz[notebook]``) is needed only here.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd

try:
    import anywidget
    import traitlets
except ImportError as error:  # the library's own requirements leave the notebook extras out
    raise ImportError(
        "gatviz.widget needs anywidget: pip install anywidget (or pip install gatviz[notebook])"
    ) from error

from gatviz.attention import dataset_attention, incoming_alpha
from gatviz.datasets import GraphDataset
from gatviz.errors import GatvizError
from gatviz.model import GAT
from gatviz.overlay import LEGEND_HEIGHT, OverlayOptions, overlay_html, with_script
from gatviz.training import predict

# The page comes from Python; the only thing the frame sends back is a node id. A message from
# any other window, or one that is not an integer id, is ignored.
ESM = """
function render({ model, el }) {
  const frame = document.createElement("iframe");
  frame.className = "gatviz-widget";
  frame.setAttribute("sandbox", "allow-scripts");
  frame.style.width = "100%";
  frame.style.border = "0";
  const draw = () => {
    frame.srcdoc = model.get("page");
    frame.style.height = (model.get("height") + 16) + "px";
  };
  draw();
  model.on("change:page", draw);
  model.on("change:height", draw);
  const onMessage = (event) => {
    if (event.source !== frame.contentWindow) return;
    const data = event.data;
    if (!data || data.gatviz !== "select" || !Number.isInteger(data.node)) return;
    model.set("selected", data.node);
    model.save_changes();
  };
  window.addEventListener("message", onMessage);
  el.appendChild(frame);
  return () => window.removeEventListener("message", onMessage);
}
export default { render };
"""


# Posts the id of a clicked node to the page that holds the frame (the widget's view).
CLICKS = """<script>
network.on("click", function (params) {
  if (params.nodes.length === 1) {
    window.parent.postMessage({gatviz: "select", node: params.nodes[0]}, "*");
  }
});
</script>"""


def clickable(page: str) -> str:
    """An overlay page (from :func:`gatviz.overlay.overlay_html`) that tells its parent window
    which node was clicked."""
    return with_script(page, CLICKS)


class AttentionWidget(anywidget.AnyWidget):
    """An overlay whose clicked node is ``selected`` (None until a click); ``alpha_table`` is
    that node's incoming α. ``centre(node)`` redraws the view around another node."""

    _esm = ESM
    page = traitlets.Unicode("").tag(sync=True)
    height = traitlets.Int(640 + LEGEND_HEIGHT).tag(sync=True)
    selected = traitlets.Int(None, allow_none=True).tag(sync=True)

    def __init__(self, model: GAT, dataset: GraphDataset, options: OverlayOptions) -> None:
        self._model, self._dataset, self._options = model, dataset, options
        self._layers = dataset_attention(model, dataset)
        self._pred, self._prob = predict(model, dataset)
        super().__init__(page=self._page(options), height=options.height + LEGEND_HEIGHT)

    def _page(self, options: OverlayOptions) -> str:
        page = overlay_html(self._dataset, self._layers, options, self._pred, self._prob)
        return clickable(page)

    @traitlets.validate("selected")
    def _known_node(self, proposal: Any) -> int | None:
        node = proposal["value"]
        if node is not None and not 0 <= node < self._dataset.num_nodes:
            raise traitlets.TraitError(
                f"node {node} is not in the graph (it has nodes 0 to {self._dataset.num_nodes - 1})"
            )
        return node

    @property
    def options(self) -> OverlayOptions:
        """What the view draws now."""
        return self._options

    def centre(self, node: int) -> None:
        """Redraw the view around ``node`` (same layer, head and reach)."""
        if not 0 <= node < self._dataset.num_nodes:
            raise GatvizError(
                f"node {node} is not in the graph (it has nodes 0 to {self._dataset.num_nodes - 1})"
            )
        options = replace(self._options, node=node)
        self.page = self._page(options)
        self._options = options

    @property
    def alpha_table(self) -> pd.DataFrame | None:
        """The selected node's incoming α, one row per layer, head and neighbour, strongest
        first: ``layer, head, source, name, alpha, uniform`` (``uniform`` = 1/|N(i)|, what a
        mean over the neighbours would give); None before any click."""
        if self.selected is None:
            return None
        table = incoming_alpha(self._layers, self.selected)
        table.insert(3, "name", [self._dataset.node_names[s] for s in table["source"]])
        table["uniform"] = 1.0 / table.groupby(["layer", "head"])["source"].transform("size")
        return table.sort_values(
            ["layer", "head", "alpha"], ascending=[True, True, False], ignore_index=True
        )


def widget(
    model: GAT,
    dataset: GraphDataset,
    node: int | None = None,
    layer: int = 0,
    head: int | str = "mean",
    hops: int = 2,
    **options: Any,
) -> AttentionWidget:
    """The attention overlay of ``model`` on ``dataset`` as a widget: click a node, then read
    ``widget.selected`` and ``widget.alpha_table``. The arguments are :func:`gatviz.show`'s."""
    chosen = OverlayOptions(node=node, layer=layer, head=head, hops=hops, **options)
    return AttentionWidget(model, dataset, chosen)
