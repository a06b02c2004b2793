"""Reading TensorBoard event files back, so a notebook can plot what TensorBoard would show."""

from __future__ import annotations

from pathlib import Path


def read_scalars(logdir):
    """Every scalar in the event files under ``logdir``, as a DataFrame.

    Columns: run (the sub-folder, e.g. "train" or "validation" for Keras' TensorBoard
    callback), tag (e.g. "epoch_loss"), step (int) and value (float), sorted by run, tag, step.
    Raises FileNotFoundError if ``logdir`` holds no event file.
    """
    import pandas as pd
    import tensorflow as tf

    logdir = Path(logdir)
    files = sorted(logdir.rglob("events.out.tfevents.*"))
    if not files:
        raise FileNotFoundError(f"no TensorBoard event files under {logdir}")
    rows = []
    for path in files:
        run = str(path.parent.relative_to(logdir)) if path.parent != logdir else "."
        # tf.data reads the TFRecord framing; the deprecated summary_iterator would log a warning.
        for record in tf.data.TFRecordDataset(str(path)):
            event = tf.compat.v1.Event.FromString(record.numpy())
            for value in event.summary.value:
                if value.HasField("simple_value"):
                    number = value.simple_value
                elif value.HasField("tensor") and not value.tensor.tensor_shape.dim:
                    number = tf.make_ndarray(value.tensor).item()  # Keras writes scalars as 0-d tensors
                else:
                    continue  # histograms, images, graphs
                if isinstance(number, (int, float)):
                    rows.append((run, value.tag, int(event.step), float(number)))
    frame = pd.DataFrame(rows, columns=["run", "tag", "step", "value"])
    return frame.sort_values(["run", "tag", "step"], ignore_index=True)
