"""dlcourse: the helper package of the deep-learning curriculum.

Notebooks start with::

    import dlcourse
    dlcourse.setup()

Modules: ``data`` (registry and loaders), ``notebook`` (setup and the smoke switch),
``metrics`` (recording headline results), ``plots``, ``grading`` (the nbgrader side).
TensorFlow is imported only where it is used, so ``python -m dlcourse.data`` stays fast.
"""

from .data import (FASHION_MNIST_CLASSES, DataError, load_btc_usd, load_colors, load_ecb_rates,
                   load_fashion_mnist, load_mnist, load_movielens_100k, load_olivetti_faces,
                   load_shakespeare, load_translation_pairs)
from .metrics import record
from .notebook import SMOKE_ENV, setup, smoke_default
from .plots import plot_functions, plot_learning_curves, plot_loss_curve, show_images

__version__ = "0.1.0"
