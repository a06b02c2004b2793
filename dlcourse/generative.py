"""Measuring generative models for chapter 6 (``06_autoencoders``, the GAN and CycleGAN notebooks).

A GAN's samples are judged here the way an instructor would judge them without a person looking:
by a small MNIST classifier trained in the notebook (:func:`train_mnist_classifier`, a few seconds on
two CPU cores). Its predictions give the **class coverage** of a batch of samples
(:func:`coverage_report`) and its penultimate layer the features of a **Fréchet distance**
(:func:`frechet_distance` between the Gaussians fitted by :func:`gaussian_stats`), the FID recipe
with a small in-notebook classifier in place of Inception v3.

The NumPy functions :func:`gan_losses`, :func:`frechet_distance` and :func:`cycle_consistency_loss`
are the reference answers of notebook exercises (``tests/test_generative.py`` pins them).
:func:`to_domain_b` / :func:`from_domain_b` make the CycleGAN notebook's second domain from MNIST
(thicker, colour-inverted digits) and undo it approximately. Images are (n, 28, 28, 1) floats in [0, 1].
"""

from __future__ import annotations

import warnings

import numpy as np

__all__ = ["train_mnist_classifier", "feature_model", "coverage_report", "gaussian_stats",
           "frechet_distance", "gan_losses", "cycle_consistency_loss", "to_domain_b", "from_domain_b"]

FEATURES_LAYER = "features"


def train_mnist_classifier(x_train, y_train, n_classes: int = 10, epochs: int = 3, seed: int = 42,
                           validation_data=None):
    """A small MLP classifier (784 -> 256 -> 128 'features' -> n_classes), trained with Adam.

    x_train: (n, 28, 28) or (n, 28, 28, 1) floats in [0, 1]; y_train: (n,) integer labels. Returns the
    trained Keras model; its outputs are class probabilities, and :func:`feature_model` gives its
    128-dimensional penultimate layer. Three epochs on MNIST's 60,000 images take under a minute on
    two CPU cores and reach about 97.5 % test accuracy.
    """
    import keras
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Flatten(),
        keras.layers.Dense(256, activation="relu"),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(128, activation="relu", name=FEATURES_LAYER),
        keras.layers.Dense(n_classes, activation="softmax"),
    ], name="judge")
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x_train = np.asarray(x_train, dtype=np.float32).reshape(-1, 28, 28, 1)
    if validation_data is not None:
        validation_data = (np.asarray(validation_data[0], np.float32).reshape(-1, 28, 28, 1), validation_data[1])
    model.fit(x_train, np.asarray(y_train), epochs=epochs, batch_size=128, verbose=0,
              validation_data=validation_data)
    return model


def feature_model(classifier):
    """The classifier cut at its penultimate ('features') layer: images -> (n, 128) features."""
    import keras
    return keras.Model(classifier.inputs[0], classifier.get_layer(FEATURES_LAYER).output)  # one input, not a list


def coverage_report(probabilities, n_classes: int = 10) -> dict:
    """How a batch of samples spreads over the classes, judged by a classifier's probabilities.

    probabilities: (n, n_classes). Returns a dict: ``counts`` (n_classes,) of predicted classes,
    ``classes_covered`` (classes predicted at least once), ``max_share`` (the largest class's
    fraction), ``kl_from_uniform`` (KL(predicted histogram || uniform) in nats: 0 for a perfectly
    even spread, log(n_classes) when every sample is one class) and ``mean_confidence`` (mean of the
    top probability: how digit-like the samples look to the classifier).
    """
    p = np.asarray(probabilities, dtype=np.float64)
    counts = np.bincount(p.argmax(axis=1), minlength=n_classes)
    share = counts / counts.sum()
    nonzero = share > 0
    kl = float(np.sum(share[nonzero] * np.log(share[nonzero] * n_classes)))
    return {"counts": counts, "classes_covered": int(nonzero.sum()), "max_share": float(share.max()),
            "kl_from_uniform": kl, "mean_confidence": float(p.max(axis=1).mean())}


def gaussian_stats(features) -> tuple[np.ndarray, np.ndarray]:
    """Mean (d,) and covariance (d, d) of features (n, d), in float64 (covariance with n - 1)."""
    f = np.asarray(features, dtype=np.float64)
    return f.mean(axis=0), np.cov(f, rowvar=False)


def frechet_distance(mean1, cov1, mean2, cov2) -> float:
    """The Fréchet distance between N(mean1, cov1) and N(mean2, cov2):

    ||mean1 - mean2||^2 + trace(cov1 + cov2 - 2 (cov1 cov2)^(1/2)).

    mean: (d,), cov: (d, d) symmetric positive semi-definite. The matrix square root is
    scipy.linalg.sqrtm's; its tiny imaginary parts (round-off) are dropped, and a singular product gets
    1e-6 added to both diagonals, as the FID reference code does. Returns a float >= 0 (0 for equal
    Gaussians, up to round-off).
    """
    from scipy import linalg
    mean1, mean2 = np.asarray(mean1, np.float64), np.asarray(mean2, np.float64)
    cov1, cov2 = np.atleast_2d(np.asarray(cov1, np.float64)), np.atleast_2d(np.asarray(cov2, np.float64))
    if mean1.shape != mean2.shape or cov1.shape != cov2.shape or cov1.shape != (mean1.size, mean1.size):
        raise ValueError(f"shapes do not match: means {mean1.shape}, {mean2.shape}; covariances {cov1.shape}, {cov2.shape}")
    with warnings.catch_warnings():  # a singular product is handled below, not worth a warning
        warnings.simplefilter("ignore", linalg.LinAlgWarning)
        root = linalg.sqrtm(cov1 @ cov2)
        if not np.all(np.isfinite(root)):
            offset = np.eye(len(cov1)) * 1e-6
            root = linalg.sqrtm((cov1 + offset) @ (cov2 + offset))
    root = np.real(root)
    diff = mean1 - mean2
    return float(max(diff @ diff + np.trace(cov1) + np.trace(cov2) - 2 * np.trace(root), 0.0))


def _bce_from_logits(logits, label: float) -> np.ndarray:
    # -[y log sigmoid(z) + (1 - y) log(1 - sigmoid(z))] = softplus(z) - y z, stable for any z
    z = np.asarray(logits, dtype=np.float64)
    return np.logaddexp(0.0, z) - label * z


def gan_losses(real_logits, fake_logits) -> tuple[float, float]:
    """The discriminator's and the generator's losses from the discriminator's logits.

    real_logits: (n,) logits on real images; fake_logits: (m,) logits on generated ones.
    Discriminator: mean binary cross-entropy of the real images against label 1 plus that of the fakes
    against label 0 (two means, added). Generator (the non-saturating form): mean binary
    cross-entropy of the fakes against label 1, i.e. mean(-log sigmoid(fake_logits)). Computed from
    logits without overflow for logits as large as +-1000. Returns (d_loss, g_loss) as Python floats.
    """
    d_loss = _bce_from_logits(real_logits, 1.0).mean() + _bce_from_logits(fake_logits, 0.0).mean()
    g_loss = _bce_from_logits(fake_logits, 1.0).mean()
    return float(d_loss), float(g_loss)


def cycle_consistency_loss(real, cycled) -> float:
    """CycleGAN's cycle-consistency loss: the mean absolute difference (L1) between images and their
    round trips through both generators, over every pixel of every image. Shapes must match."""
    real, cycled = np.asarray(real, np.float64), np.asarray(cycled, np.float64)
    if real.shape != cycled.shape:
        raise ValueError(f"shapes differ: {real.shape} and {cycled.shape}")
    return float(np.mean(np.abs(real - cycled)))


def to_domain_b(images, thickness: int = 3) -> np.ndarray:
    """Domain B of the CycleGAN notebook: MNIST digits drawn thicker (grey dilation with a
    thickness x thickness square) and colour-inverted (white paper, black ink). (n, 28, 28, 1) -> same."""
    from scipy import ndimage
    x = np.asarray(images, dtype=np.float32)
    thick = ndimage.grey_dilation(x, size=(1, thickness, thickness, 1))
    return (1.0 - thick).astype(np.float32)


def from_domain_b(images, thickness: int = 3) -> np.ndarray:
    """The approximate inverse of :func:`to_domain_b`: invert back, then thin the strokes by grey
    erosion of the same size (dilation loses detail, so this is a close inverse, not an exact one)."""
    from scipy import ndimage
    x = 1.0 - np.asarray(images, dtype=np.float32)
    return ndimage.grey_erosion(x, size=(1, thickness, thickness, 1)).astype(np.float32)
