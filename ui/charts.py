"""Vega-Lite chart specs the pages share, written by hand: building and validating an altair
chart costs about 20 ms a chart on every rerun (0.25 s a redraw of the live curves), more than
the rest of a rerun."""

from __future__ import annotations

import pandas as pd

from gatviz.figures import VEGA_LITE

LOSS_COLUMNS, ACCURACY_COLUMNS = ["train_loss", "val_loss"], ["train_acc", "val_acc", "test_acc"]
CURVE_HEIGHT = 160  # pixels of a curve chart's plot area


def curves_spec(rows: list[dict], columns: list[str], height: int) -> dict:
    """A line chart of ``columns`` over ``epoch``, one line per column (``st.line_chart`` would
    build an altair chart on every call: most of the cost of training in the app)."""
    values = [
        {"epoch": row["epoch"], "series": column, "value": row[column]}
        for row in rows
        for column in columns
        if row[column] == row[column]
    ]  # no NaN
    return {
        "$schema": VEGA_LITE,
        # Fit the width only: Streamlit's default here squeezed the plot into what the
        # legend and axis titles left of ``height``.
        "autosize": {"type": "fit-x", "contains": "padding"},
        "data": {"values": values},
        "height": height,
        "mark": {"type": "line"},
        "encoding": {
            "x": {"field": "epoch", "type": "quantitative"},
            "y": {"field": "value", "type": "quantitative", "title": None},
            "color": {
                "field": "series",
                "type": "nominal",
                "sort": columns,
                "title": None,
                "legend": {"orient": "top", "direction": "horizontal"},
            },
            "tooltip": [
                {"field": "epoch", "type": "quantitative"},
                {"field": "series", "type": "nominal"},
                {"field": "value", "type": "quantitative", "format": ".3f"},
            ],
        },
    }


def incoming_bars_spec(long: pd.DataFrame, order: list[str], height: int) -> dict:
    """Grouped bars of α (``from``, ``head``, ``α`` columns): one group per neighbour in
    ``order``, one bar per head."""
    return {
        "$schema": VEGA_LITE,
        "data": {"values": long.to_dict("records")},
        "height": height,
        "mark": "bar",
        "encoding": {
            "x": {
                "field": "from",
                "type": "nominal",
                "sort": order,
                "title": None,
                "axis": {"labelAngle": -45, "labelLimit": 90},
            },
            "y": {"field": "α", "type": "quantitative"},
            "color": {"field": "head", "type": "nominal"},
            "xOffset": {"field": "head", "type": "nominal"},
            "tooltip": [
                {"field": "from", "type": "nominal"},
                {"field": "head", "type": "nominal"},
                {"field": "α", "type": "quantitative", "format": ".3f"},
            ],
        },
    }


def confusion_spec(truth: list[str], guess: list[str]) -> dict:
    """A confusion matrix (true class by predicted class), each cell labelled with its count."""
    matrix = pd.crosstab(pd.Series(truth, name="true"), pd.Series(guess, name="predicted"))
    cells = matrix.stack().reset_index(name="nodes").to_dict("records")
    encoding = {
        "x": {"field": "predicted", "type": "nominal"},
        "y": {"field": "true", "type": "nominal"},
    }
    return {
        "$schema": VEGA_LITE,
        "data": {"values": cells},
        "layer": [
            {
                "mark": "rect",
                "encoding": {
                    **encoding,
                    "color": {
                        "field": "nodes",
                        "type": "quantitative",
                        "scale": {"scheme": "blues"},
                    },
                    "tooltip": [{"field": "true"}, {"field": "predicted"}, {"field": "nodes"}],
                },
            },
            {
                "mark": "text",
                "encoding": {**encoding, "text": {"field": "nodes", "type": "quantitative"}},
            },
        ],
    }
