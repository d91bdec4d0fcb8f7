"""gatviz in a notebook: the overlay as an object that Jupyter displays.

:func:`show` returns an :class:`HTMLView`, whose ``_repr_html_`` is one ``<iframe>`` with the
whole overlay page in its ``srcdoc``: vis-network is inlined and nothing is fetched from a CDN,
so it draws the same in JupyterLab, Jupyter Notebook 7, VS Code and Colab, offline too (plain
pyvis output is known to go blank in VS Code and to fail with "vis is not defined" in Colab).
The page's own scripts run inside the iframe's sandbox, apart from the notebook's.
"""

from __future__ import annotations

import html as html_module
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gatviz.attention import dataset_attention
from gatviz.datasets import GraphDataset
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
