"""How long the Attention page's overlay takes to build around Cora's best-connected node.

Prints, for 1-3 hops, the view's size and the time to choose the view (``build_view``) and to
produce the whole HTML (``overlay_html``), median of several runs. The goal is well under a
second for 2 hops. Data: $GATVIZ_DATA_DIR if set, else ../shared/datasets/planetoid.

Usage: python bench/overlay_speed.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from planetoid_data import planetoid_root  # noqa: E402
from timing import timed  # noqa: E402
from gatviz.attention import dataset_attention  # noqa: E402
from gatviz.datasets import load_dataset  # noqa: E402
from gatviz.model import GAT  # noqa: E402
from gatviz.overlay import OverlayOptions, build_view, overlay_html  # noqa: E402
from gatviz.training import predict  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with planetoid_root() as root:
        cora = load_dataset("cora", root=root)
    torch.manual_seed(0)
    model = GAT(cora.num_features, cora.num_classes).eval()  # timing does not need training
    attention = dataset_attention(model, cora)
    pred, prob = predict(model, cora)
    hub = int(torch.bincount(cora.data.edge_index[1]).argmax())
    print(f"Cora, centre node {hub}, layer 0 (8 heads), mean over heads")
    print(f"{'hops':>4} {'nodes':>6} {'edges':>6} {'view s':>8} {'HTML s':>8} {'HTML MB':>8}")
    for hops in (1, 2, 3):
        options = OverlayOptions(node=hub, hops=hops, head="mean", color_by="correct")
        view = build_view(cora, attention, options)
        view_s, _ = timed(lambda: build_view(cora, attention, options), args.repeats)
        html_s, html = timed(
            lambda: overlay_html(cora, attention, options, pred, prob), args.repeats
        )
        size = len(html) / 1e6
        print(
            f"{hops:>4} {view.nodes.numel():>6} {view.edge_index.size(1):>6} "
            f"{view_s:>8.3f} {html_s:>8.3f} {size:>8.2f}"
        )


if __name__ == "__main__":
    main()
