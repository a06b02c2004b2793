"""A variational autoencoder (VAE) for binarised MNIST, chapter 6 (``06_autoencoders``).

The NumPy functions :func:`binarize`, :func:`reparameterize`, :func:`gaussian_kl` and
:func:`bernoulli_nll` are the reference answers of notebook 3's exercises (``tests/test_vae.py``
pins them). :class:`VAE` is a Keras 3 model whose ``train_step``/``test_step`` compute the negative
ELBO themselves (no functional ``add_loss``); later notebooks (the GAN notebook) import it to draw
samples as a reference point. Importing this module imports Keras.

Shapes: images are flat, (n, 784) float32 with values in [0, 1] (binary after :func:`binarize`);
latent codes are (n, latent_dim). All log-probabilities are in nats (natural logarithms).
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

__all__ = ["binarize", "reparameterize", "gaussian_kl", "bernoulli_nll", "VAE", "elbo"]


def binarize(x, seed: int) -> np.ndarray:
    """Stochastic binarisation: pixel i becomes 1 with probability x_i, else 0.

    x: array of any shape with values in [0, 1]; seed: the seed of ``np.random.default_rng``, whose
    ``uniform(size=x.shape)`` draws u, and the result is (u < x). Returns float32 of x's shape; the
    same seed gives the same images.
    """
    x = np.asarray(x, dtype=np.float32)
    return (np.random.default_rng(seed).uniform(size=x.shape) < x).astype(np.float32)


def reparameterize(mean, log_var, eps) -> np.ndarray:
    """A sample of N(mean, diag(exp(log_var))) written as a function of the parameters:
    z = mean + exp(0.5 * log_var) * eps, with eps ~ N(0, I) given by the caller.

    mean, log_var, eps: arrays of the same shape (batch, latent_dim) (or broadcastable). Returns float64.
    """
    mean, log_var, eps = (np.asarray(a, dtype=np.float64) for a in (mean, log_var, eps))
    return mean + np.exp(0.5 * log_var) * eps


def gaussian_kl(mean, log_var) -> np.ndarray:
    """KL(N(mean, diag(exp(log_var))) || N(0, I)) in nats, summed over the last axis.

    mean, log_var: (..., latent_dim). Returns float64 of shape (...,), e.g. (batch,):
    0.5 * sum(exp(log_var) + mean**2 - 1 - log_var). Zero exactly when mean = 0 and log_var = 0.
    """
    mean, log_var = np.asarray(mean, dtype=np.float64), np.asarray(log_var, dtype=np.float64)
    return 0.5 * np.sum(np.exp(log_var) + mean ** 2 - 1.0 - log_var, axis=-1)


def bernoulli_nll(x, logits) -> np.ndarray:
    """-log p(x | logits) of independent Bernoulli pixels, summed over the last axis, in nats.

    x: (..., n_pixels) in {0, 1} (values in [0, 1] give the cross-entropy); logits: same shape, the
    pre-sigmoid scores. Uses max(l, 0) - l*x + log(1 + exp(-|l|)), which never overflows.
    Returns float64 of shape (...,).
    """
    x, logits = np.asarray(x, dtype=np.float64), np.asarray(logits, dtype=np.float64)
    return np.sum(np.maximum(logits, 0) - logits * x + np.log1p(np.exp(-np.abs(logits))), axis=-1)


def _mlp(sizes, n_out, name):
    layers = [keras.layers.Dense(units, activation="relu") for units in sizes]
    return keras.Sequential(layers + [keras.layers.Dense(n_out)], name=name)


@keras.saving.register_keras_serializable(package="dlcourse")
class VAE(keras.Model):
    """A dense VAE: q(z | x) = N(mean(x), diag(exp(log_var(x)))), p(z) = N(0, I),
    p(x | z) = independent Bernoulli pixels with logits decoder(z).

    encoder: n_pixels -> hidden (ReLU) -> 2 * latent_dim (mean and log-variance, no activation);
    decoder: latent_dim -> reversed(hidden) (ReLU) -> n_pixels logits.
    ``fit`` minimises the batch mean of -ELBO = reconstruction + kl per image, where
    reconstruction = -log p(x | z) (Bernoulli, summed over pixels, one z per image drawn with the
    reparameterisation trick) and kl = KL(q(z | x) || p(z)) in closed form. The metrics "loss"
    (= -ELBO), "reconstruction", "kl" and "elbo" are means over the epoch's images, in nats.
    dynamic_binarization=True makes each training step draw a fresh binary image from the grey
    levels of its batch (pass grey images to ``fit``); ``test_step`` always scores x as given.
    """

    def __init__(self, latent_dim=2, hidden=(512, 256), n_pixels=784, dynamic_binarization=False,
                 seed=42, **kwargs):
        super().__init__(**kwargs)
        self.latent_dim, self.hidden, self.n_pixels = int(latent_dim), tuple(hidden), int(n_pixels)
        self.dynamic_binarization, self.seed = bool(dynamic_binarization), int(seed)
        self.encoder = _mlp(self.hidden, 2 * self.latent_dim, "encoder")
        self.decoder = _mlp(tuple(reversed(self.hidden)), self.n_pixels, "decoder")
        self.noise = keras.random.SeedGenerator(self.seed)
        self.trackers = {name: keras.metrics.Mean(name) for name in ("loss", "reconstruction", "kl", "elbo")}
        self.build((None, self.n_pixels))

    def build(self, input_shape):
        self.encoder.build((None, self.n_pixels))
        self.decoder.build((None, self.latent_dim))
        self.built = True

    @property
    def metrics(self):
        return list(self.trackers.values())   # Keras resets these at the start of every epoch

    def encode(self, x):
        """x: (batch, n_pixels) -> (mean, log_var), each (batch, latent_dim)."""
        mean, log_var = ops.split(self.encoder(x), 2, axis=-1)
        return mean, log_var

    def call(self, x, training=False):
        """Reconstruction logits (batch, n_pixels) from one reparameterised sample of q(z | x)."""
        mean, log_var = self.encode(x)
        eps = keras.random.normal(ops.shape(mean), seed=self.noise)
        return self.decoder(mean + ops.exp(0.5 * log_var) * eps)

    def losses_per_image(self, x):
        """(reconstruction, kl), each (batch,): -log p(x | z) for one z ~ q(z | x), and the closed-form KL."""
        mean, log_var = self.encode(x)
        eps = keras.random.normal(ops.shape(mean), seed=self.noise)
        logits = self.decoder(mean + ops.exp(0.5 * log_var) * eps)      # the reparameterisation trick
        reconstruction = ops.sum(ops.relu(logits) - logits * x + ops.log1p(ops.exp(-ops.abs(logits))), axis=-1)
        kl = 0.5 * ops.sum(ops.exp(log_var) + ops.square(mean) - 1.0 - log_var, axis=-1)
        return reconstruction, kl

    def _update_metrics(self, reconstruction, kl):
        loss = ops.mean(reconstruction + kl)
        for name, value in (("loss", loss), ("reconstruction", ops.mean(reconstruction)),
                            ("kl", ops.mean(kl)), ("elbo", -loss)):
            self.trackers[name].update_state(value)
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    def train_step(self, data):
        import tensorflow as tf   # the step differentiates with TensorFlow's tape (the course's backend)
        x = data[0] if isinstance(data, tuple) else data
        if self.dynamic_binarization:
            x = ops.cast(keras.random.uniform(ops.shape(x), seed=self.noise) < x, "float32")
        with tf.GradientTape() as tape:
            reconstruction, kl = self.losses_per_image(x)
            loss = ops.mean(reconstruction + kl)           # -ELBO, averaged over the batch
        grads = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
        return self._update_metrics(reconstruction, kl)

    def test_step(self, data):
        x = data[0] if isinstance(data, tuple) else data
        return self._update_metrics(*self.losses_per_image(x))

    def decode(self, z):
        """Pixel probabilities sigmoid(decoder(z)) as a NumPy array (n, n_pixels); z: (n, latent_dim)."""
        return np.asarray(ops.sigmoid(self.decoder(np.asarray(z, dtype=np.float32))))

    def sample(self, n: int, seed: int = 0) -> np.ndarray:
        """n images from the model: z ~ N(0, I) drawn with ``np.random.default_rng(seed)``, decoded to
        pixel probabilities (the mean of p(x | z)). Returns float32 (n, n_pixels) in [0, 1]."""
        z = np.random.default_rng(seed).standard_normal((n, self.latent_dim)).astype(np.float32)
        return self.decode(z).astype(np.float32)

    def get_config(self):
        return {**super().get_config(), "latent_dim": self.latent_dim, "hidden": list(self.hidden),
                "n_pixels": self.n_pixels, "dynamic_binarization": self.dynamic_binarization, "seed": self.seed}


def elbo(vae: VAE, x, n_samples: int = 1, seed: int = 0, batch_size: int = 1000) -> np.ndarray:
    """The ELBO of each image in nats: E_q[log p(x | z)] - KL(q(z | x) || p(z)), the expectation
    estimated with n_samples draws of z per image (eps from ``np.random.default_rng(seed)``), the KL in
    closed form. x: (n, n_pixels) binary. Returns float64 (n,); each value is <= 0 and, in
    expectation, <= log p(x).
    """
    x = np.asarray(x, dtype=np.float32)
    eps = np.random.default_rng(seed).standard_normal((n_samples, len(x), vae.latent_dim))  # same for any batch_size
    out = np.empty(len(x))
    for start in range(0, len(x), batch_size):
        xb = x[start:start + batch_size]
        mean, log_var = (np.asarray(t, dtype=np.float64) for t in vae.encode(xb))
        nll = np.zeros(len(xb))
        for k in range(n_samples):
            z = reparameterize(mean, log_var, eps[k, start:start + batch_size])
            nll += bernoulli_nll(xb, np.asarray(vae.decoder(z.astype(np.float32)))) / n_samples
        out[start:start + batch_size] = -nll - gaussian_kl(mean, log_var)
    return out
