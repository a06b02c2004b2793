"""What every notebook calls first: seeds, plot style, versions, and the smoke switch."""

from __future__ import annotations

import functools
import os
import platform

SMOKE_ENV = "DLCOURSE_SMOKE"
SEED = 42


def smoke_default() -> bool:
    """True when the ``DLCOURSE_SMOKE`` environment variable is set to 1/true/yes.

    ``make test`` and ``make autograde`` set it, so grading runs the small, fast version of
    every notebook; a student who runs the notebook by hand gets the full lesson.
    """
    return os.environ.get(SMOKE_ENV, "").strip().lower() in ("1", "true", "yes")


def setup(seed: int = SEED, quiet_tensorflow: bool = True) -> None:
    """Seed Python, NumPy and TensorFlow, set a readable plot style and print the versions.

    Call it once at the top of a notebook; calling it again re-seeds, which is how a cell
    shows that a result is reproducible.
    """
    if quiet_tensorflow:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # hide C++ info lines, keep errors
    import matplotlib.pyplot as plt
    import numpy as np
    import tensorflow as tf
    import keras

    tf.get_logger().setLevel("WARNING")  # TensorFlow's Python INFO lines ("Assets written to ...") teach nothing
    keras.utils.set_random_seed(seed)  # seeds random, numpy and the backend in one call
    plt.rcParams.update({
        "figure.figsize": (6.4, 4.0), "figure.dpi": 90, "axes.grid": True, "grid.alpha": 0.3,
        "axes.spines.top": False, "axes.spines.right": False, "legend.frameon": False,
    })
    print(f"Python {platform.python_version()} | TensorFlow {tf.__version__} | Keras {keras.__version__} "
          f"| NumPy {np.__version__} | seed {seed}" + (" | SMOKE mode" if smoke_default() else ""))


def solved_or(yours, reference):
    """A function that calls ``yours`` and, while it still raises NotImplementedError (an exercise
    not done yet), ``reference`` instead, saying so once. Later cells of a notebook use it so they
    run whether or not the exercises are solved; any other error in ``yours`` is raised."""
    @functools.wraps(yours)
    def call(*args, **kwargs):
        try:
            return yours(*args, **kwargs)
        except NotImplementedError:
            if not call.fell_back:
                print(f"{yours.__name__} is not written yet: using "
                      f"{reference.__module__}.{reference.__name__} instead")
                call.fell_back = True
            return reference(*args, **kwargs)
    call.fell_back = False
    return call
