"""dlcourse: the helper package of the deep-learning curriculum.

Notebooks start with::

    import dlcourse
    dlcourse.setup()

Modules: ``data`` (registry and loaders), ``notebook`` (setup and the smoke switch),
``metrics`` (recording headline results), ``plots``, ``callbacks`` (Keras callbacks the
notebooks share), ``transfer`` (MobileNet transfer learning), ``autoencoders`` (chapter 6's data, measures and models), ``grading`` (the nbgrader side),
``runner`` (executing notebooks), ``authoring`` (masters as text), ``glossary`` (each chapter's
terms in English, Simplified and Traditional Chinese).
TensorFlow is imported only where it is used, so ``python -m dlcourse.data`` stays fast.
"""

from importlib import import_module

from .glossary import glossary_rows, show_glossary
from .metrics import record
from .notebook import SMOKE_ENV, setup, smoke_default
from .plots import plot_confusion_matrix, plot_functions, plot_learning_curves, plot_loss_curve, show_images
from .tensorboard import read_scalars

__version__ = "0.1.0"

# The data names load on first use, so `python -m dlcourse.data` does not import its own module twice.
_DATA_NAMES = {"FASHION_MNIST_CLASSES", "DataError", "load_btc_usd", "load_colors", "load_ecb_rates",
               "load_fashion_mnist", "load_mnist", "load_movielens_100k", "load_olivetti_faces",
               "load_shakespeare", "load_translation_pairs",
               "CATS_VS_DOGS_CLASSES", "cats_vs_dogs_files", "load_cats_vs_dogs",
               "load_summer2winter"}


def __getattr__(name):
    if name in _DATA_NAMES:
        return getattr(import_module(".data", __name__), name)
    raise AttributeError(f"module 'dlcourse' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_DATA_NAMES))
