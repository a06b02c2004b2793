"""Recording a notebook's headline results so tests and reports can read them back.

``record("final_loss", 0.002)`` prints the value in a sentence and also attaches it to the
cell's output under a JSON media type, so it survives in the executed ``.ipynb``.
"""

from __future__ import annotations

import math
import numbers

MIME = "application/vnd.dlcourse.metric+json"


def record(name: str, value, unit: str = "") -> None:
    """Print ``name = value`` and store it in the cell's output. ``value`` must be a finite number."""
    from IPython.display import display

    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        try:
            value = float(value)  # numpy and tensor scalars
        except (TypeError, ValueError):
            raise TypeError(f"record({name!r}, ...) needs a number, got {type(value).__name__}") from None
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"record({name!r}, {value}): the value is not finite; the run diverged")
    text = f"{name} = {value:.6g}{(' ' + unit) if unit else ''}"
    display({MIME: {"name": name, "value": value, "unit": unit}, "text/plain": text}, raw=True)


def read_metrics(nb) -> dict[str, float]:
    """The metrics recorded in an executed notebook (an nbformat node or dict): name -> value."""
    found = {}
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if MIME in data:
                found[data[MIME]["name"]] = data[MIME]["value"]
    return found
