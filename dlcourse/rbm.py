"""Bernoulli restricted Boltzmann machines for chapter 5 (``05_unsupervised/04_rbm``, reused by the
deep-belief-net notebook).

An RBM with ``n_visible`` units v in [0, 1] (binary, or intensities read as probabilities) and
``n_hidden`` binary units h has the energy E(v, h) = -v.b - h.c - v W h and the free energy

    F(v) = -v.b - sum_j softplus((v W + c)_j),     p(v) proportional to exp(-F(v)).

``p(h_j = 1 | v) = sigmoid(v W + c)_j`` and ``p(v_i = 1 | h) = sigmoid(h W^T + b)_i``.

:class:`BernoulliRBM` is a ``tf.Module`` that trains with contrastive divergence (CD-k) or
persistent CD, with momentum, weight decay, a progress bar, a time budget and an optional monitor
called during training. The NumPy functions :func:`free_energy` and :func:`cd1_update` are the
reference answers of the notebook's exercises (``tests/test_rbm.py`` pins them). Shapes: a batch of
visible vectors is (batch, n_visible), W is (n_visible, n_hidden), b is (n_visible,), c is (n_hidden,).

Which quantities are sampled (Hinton, "A practical guide to training RBMs", UTML TR 2010-003,
sections 3.1-3.4): hidden states driven by data are sampled as binary; the reconstruction and the
last hidden update use probabilities; the statistics of the update use probabilities. A persistent
chain keeps binary visible samples, since a chain of mean-field states is not the model's chain.
"""

from __future__ import annotations

import contextlib
import math
import time
from typing import Callable

import numpy as np
import tensorflow as tf

__all__ = ["BernoulliRBM", "free_energy", "cd1_update", "sigmoid", "softplus", "tile_images",
           "show_filters", "momentum_schedule"]


# --- NumPy references (the exercises' answers) -------------------------------------------------

def sigmoid(x):
    """Logistic function, stable for large |x|; float64 in, float64 out."""
    x = np.asarray(x, dtype=np.float64)
    return np.exp(-np.logaddexp(0.0, -x))


def softplus(x):
    """log(1 + exp(x)), stable for large |x|."""
    return np.logaddexp(0.0, np.asarray(x, dtype=np.float64))


def free_energy(v, W, b_visible, c_hidden):
    """F(v) = -v.b - sum_j softplus(v W + c)_j for each row of v.

    v: (batch, n_visible) or (n_visible,); W: (n_visible, n_hidden); b_visible: (n_visible,);
    c_hidden: (n_hidden,). Returns float32 of shape (batch,) (shape (1,) for a single vector).
    """
    v = np.atleast_2d(np.asarray(v, dtype=np.float64))
    W, b, c = (np.asarray(a, dtype=np.float64) for a in (W, b_visible, c_hidden))
    return (-(v @ b) - softplus(v @ W + c).sum(axis=1)).astype(np.float32)


def cd1_update(v0, W, b, c, lr, uniform_h, uniform_v=None):
    """One CD-1 step on a batch: the increments (dW, db, dc) to ADD to W, b and c.

    v0: (batch, n_visible) data in [0, 1]; W, b, c as in the module docstring; lr: float > 0;
    uniform_h: (batch, n_hidden) numbers in [0, 1); uniform_v: None or (batch, n_visible).

    p_h0 = sigmoid(v0 W + c)                  probabilities
    h0   = 1 where uniform_h < p_h0, else 0   SAMPLED (binary): hidden units driven by data
    p_v1 = sigmoid(h0 W^T + b)                probabilities
    v1   = p_v1 if uniform_v is None          the guide's choice: the reconstruction is not sampled
         = 1 where uniform_v < p_v1, else 0   otherwise (binary): what the Cookbook's recipe does
    p_h1 = sigmoid(v1 W + c)                  probabilities: the last hidden update is never sampled
    dW = lr * (v0^T p_h0 - v1^T p_h1) / batch,  db = lr * mean(v0 - v1),  dc = lr * mean(p_h0 - p_h1)

    The statistics use the probabilities p_h0 and p_h1, not the binary h0. Returns three float64
    arrays with the shapes of W, b and c.
    """
    v0 = np.atleast_2d(np.asarray(v0, dtype=np.float64))
    W, b, c = (np.asarray(a, dtype=np.float64) for a in (W, b, c))
    p_h0 = sigmoid(v0 @ W + c)
    h0 = (np.asarray(uniform_h) < p_h0).astype(np.float64)
    p_v1 = sigmoid(h0 @ W.T + b)
    v1 = p_v1 if uniform_v is None else (np.asarray(uniform_v) < p_v1).astype(np.float64)
    p_h1 = sigmoid(v1 @ W + c)
    n = v0.shape[0]
    return (lr * (v0.T @ p_h0 - v1.T @ p_h1) / n, lr * (v0 - v1).mean(axis=0), lr * (p_h0 - p_h1).mean(axis=0))


def momentum_schedule(initial: float = 0.5, final: float = 0.9, switch_epoch: int = 5) -> Callable[[int], float]:
    """The guide's momentum: ``initial`` for epochs 0 .. switch_epoch - 1, then ``final``."""
    def momentum(epoch: int) -> float:
        return initial if epoch < switch_epoch else final
    momentum.__doc__ = f"momentum {initial} before epoch {switch_epoch}, {final} from then on"
    return momentum


@contextlib.contextmanager
def _quiet_tracing():
    """Hide TensorFlow's "triggered tf.function retracing" warning: each model traces its own small
    functions once, which is expected here and not the mistake that warning is about."""
    logger = tf.get_logger()
    level = logger.level
    logger.setLevel("ERROR")
    try:
        yield
    finally:
        logger.setLevel(level)


# --- the model ------------------------------------------------------------------------------

class BernoulliRBM(tf.Module):
    """A Bernoulli-Bernoulli RBM in TensorFlow.

    rbm = BernoulliRBM(784, 500, seed=0, visible_bias=mean_pixel)   # data means in (0, 1)
    history = rbm.fit(x_train, epochs=10, batch_size=100, lr=0.1)   # x_train float32 in [0, 1]
    features = rbm.transform(x_test)                                 # p(h = 1 | v), (n, 500)

    Variables: ``W`` (n_visible, n_hidden) from N(0, weight_std^2), ``b`` visible biases
    (log(p / (1 - p)) of ``visible_bias`` if given, the guide's choice, else 0), ``c`` hidden biases 0.
    Sampling uses a seeded ``tf.random.Generator``, so two models with one seed train alike.
    """

    def __init__(self, n_visible: int, n_hidden: int, *, seed: int = 0, weight_std: float = 0.01,
                 visible_bias=None, name: str | None = None):
        super().__init__(name=name or "bernoulli_rbm")
        if n_visible < 1 or n_hidden < 1:
            raise ValueError(f"n_visible and n_hidden must be at least 1, got {n_visible} and {n_hidden}")
        self.n_visible, self.n_hidden = int(n_visible), int(n_hidden)
        self.rng = tf.random.Generator.from_seed(seed)
        self.W = tf.Variable(self.rng.normal((n_visible, n_hidden), stddev=weight_std), name="W")
        if visible_bias is None:
            b0 = np.zeros(n_visible, dtype=np.float32)
        else:
            p = np.clip(np.asarray(visible_bias, dtype=np.float64).reshape(n_visible), 1e-3, 1 - 1e-3)
            b0 = np.log(p / (1 - p)).astype(np.float32)
        self.b = tf.Variable(b0, name="b_visible")
        self.c = tf.Variable(tf.zeros(n_hidden), name="c_hidden")
        self._velocity = [tf.Variable(tf.zeros_like(x), trainable=False) for x in (self.W, self.b, self.c)]
        self.chain = None  # the persistent chain's visible states, made by the first persistent step
        self._steps = {}
        self._seed = seed

    # -- conditionals and energies
    def hidden_probabilities(self, v):
        """p(h = 1 | v) = sigmoid(v W + c): (batch, n_hidden) float32 tensor."""
        return tf.sigmoid(tf.matmul(tf.cast(v, tf.float32), self.W) + self.c)

    def visible_probabilities(self, h):
        """p(v = 1 | h) = sigmoid(h W^T + b): (batch, n_visible) float32 tensor."""
        return tf.sigmoid(tf.matmul(tf.cast(h, tf.float32), self.W, transpose_b=True) + self.b)

    def sample(self, probabilities):
        """Binary states: 1 where a uniform draw is below the probability (float32, same shape)."""
        return tf.cast(self.rng.uniform(tf.shape(probabilities)) < probabilities, tf.float32)

    def free_energy(self, v):
        """F(v) = -v.b - sum_j softplus(v W + c)_j: (batch,) float32 tensor."""
        v = tf.cast(v, tf.float32)
        return -tf.linalg.matvec(v, self.b) - tf.reduce_sum(tf.nn.softplus(tf.matmul(v, self.W) + self.c), axis=1)

    def gibbs(self, v, steps: int = 1, sample_visible: bool = True):
        """Run ``steps`` full Gibbs steps v -> h -> v from v (hidden states always sampled).

        Returns (v, p_v): the last visible states (binary if sample_visible, else the probabilities)
        and their probabilities p(v = 1 | h), both (batch, n_visible) tensors.
        """
        v = tf.cast(v, tf.float32)
        p_v = v
        for _ in range(int(steps)):
            p_v = self.visible_probabilities(self.sample(self.hidden_probabilities(v)))
            v = self.sample(p_v) if sample_visible else p_v
        return v, p_v

    # -- learning
    def cd_step(self, v, k: int = 1, persistent: bool = False, lr: float = 0.1, momentum: float = 0.0,
                weight_decay: float = 0.0, sample_visible: bool | None = None):
        """One update on the batch v (batch, n_visible) in [0, 1]; returns mean F(v) - mean F(negatives).

        CD-k (persistent=False): the chain starts at the data, h0 is sampled from p(h | v), then k
        Gibbs steps; PCD (persistent=True): the chain continues from where the last step left it (one
        chain per row of the first batch; later batches must have that size). The negative statistics
        use the chain's last visible states and their hidden probabilities, the positive ones the
        data and p(h | data). sample_visible: sample the chain's visible states (default: False for
        CD, the guide's probabilities; True for PCD). The update, with velocity u:
        u <- momentum * u + lr * (gradient - weight_decay * W on W only);  theta <- theta + u.
        """
        v = tf.convert_to_tensor(v, tf.float32)
        if sample_visible is None:
            sample_visible = bool(persistent)
        if persistent and self.chain is None:
            self.chain = tf.Variable(self.sample(v), trainable=False, name="persistent_chain")
        if persistent and v.shape[0] != self.chain.shape[0]:
            raise ValueError(f"persistent chains hold {self.chain.shape[0]} states: use batches of that size")
        key = (int(k), bool(persistent), bool(sample_visible))
        args = (v, tf.constant(lr, tf.float32), tf.constant(momentum, tf.float32), tf.constant(weight_decay, tf.float32))
        if key not in self._steps:
            self._steps[key] = tf.function(lambda v_, lr_, m_, wd_: self._update(v_, *key, lr_, m_, wd_))
            with _quiet_tracing():
                return self._steps[key](*args)
        return self._steps[key](*args)

    def _update(self, v, k, persistent, sample_visible, lr, momentum, weight_decay):
        n = tf.cast(tf.shape(v)[0], tf.float32)
        pre0 = tf.matmul(v, self.W) + self.c
        p_h0 = tf.sigmoid(pre0)
        if persistent:
            v_neg, _ = self.gibbs(self.chain, k, sample_visible)
            self.chain.assign(v_neg)
        else:
            h = self.sample(p_h0)
            v_neg = None
            for step in range(k):
                p_v = self.visible_probabilities(h)
                v_neg = self.sample(p_v) if sample_visible else p_v
                if step < k - 1:
                    h = self.sample(self.hidden_probabilities(v_neg))
        pre_neg = tf.matmul(v_neg, self.W) + self.c
        p_h_neg = tf.sigmoid(pre_neg)
        grads = [(tf.matmul(v, p_h0, transpose_a=True) - tf.matmul(v_neg, p_h_neg, transpose_a=True)) / n
                 - weight_decay * self.W,
                 tf.reduce_mean(v - v_neg, axis=0),
                 tf.reduce_mean(p_h0 - p_h_neg, axis=0)]
        for var, vel, g in zip((self.W, self.b, self.c), self._velocity, grads):
            vel.assign(momentum * vel + lr * g)
            var.assign_add(vel)
        f_data = -tf.linalg.matvec(v, self.b) - tf.reduce_sum(tf.nn.softplus(pre0), axis=1)
        f_neg = -tf.linalg.matvec(v_neg, self.b) - tf.reduce_sum(tf.nn.softplus(pre_neg), axis=1)
        return tf.reduce_mean(f_data) - tf.reduce_mean(f_neg)

    def fit(self, data, epochs: float = 1, batch_size: int = 100, lr: float = 0.1, momentum=0.5,
            weight_decay: float = 1e-4, k: int = 1, persistent: bool = False, time_budget_s: float | None = None,
            monitor: Callable | None = None, monitor_every: int | None = None, shuffle_seed: int = 0,
            verbose: bool = True) -> dict:
        """Train on data (n, n_visible) in [0, 1] with minibatch CD-k or PCD.

        epochs: may be fractional (0.5 = half the batches of one epoch). momentum: a float or a
        function epoch -> float (e.g. :func:`momentum_schedule`). time_budget_s: stop after the batch
        that crosses it (the monitor's time counts). monitor: called as monitor(rbm) -> dict of floats
        before training and then every ``monitor_every`` batches (default: at the end of each epoch)
        and at the end. A tqdm bar shows progress. Returns a history dict: "epoch" (fractional epochs
        at each monitor call) and one list per monitor key, "batch_epoch" and "fe_diff" (each batch's
        mean F(data) - mean F(negatives)), "seconds" (total), "batches", "stopped_by_budget".
        """
        from tqdm.auto import tqdm

        data = np.asarray(data, dtype=np.float32)
        if data.ndim != 2 or data.shape[1] != self.n_visible:
            raise ValueError(f"data must have shape (n, {self.n_visible}), got {data.shape}")
        if data.size and (data.min() < 0 or data.max() > 1):
            raise ValueError("data must lie in [0, 1]: scale pixels by 1/255 first")
        per_epoch = len(data) // batch_size
        if per_epoch < 1:
            raise ValueError(f"{len(data)} examples hold no batch of {batch_size}")
        total = max(1, int(round(epochs * per_epoch)))
        every = monitor_every or per_epoch
        rng = np.random.default_rng(shuffle_seed)
        history = {"epoch": [], "batch_epoch": [], "fe_diff": []}

        def call_monitor(batches_done):
            if monitor is None:
                return
            history["epoch"].append(batches_done / per_epoch)
            for key, value in monitor(self).items():
                history.setdefault(key, []).append(float(value))

        start = time.perf_counter()
        call_monitor(0)
        stopped = False
        done = 0
        bar = tqdm(total=total, desc=f"{'PCD' if persistent else 'CD'}-{k}", unit="batch", disable=not verbose,
                   mininterval=1.0)
        order = rng.permutation(len(data))
        while done < total:
            position = done % per_epoch
            if position == 0 and done:
                order = rng.permutation(len(data))
            epoch = done // per_epoch
            batch = data[order[position * batch_size:(position + 1) * batch_size]]
            m = momentum(epoch) if callable(momentum) else momentum
            diff = float(self.cd_step(batch, k=k, persistent=persistent, lr=lr, momentum=m, weight_decay=weight_decay))
            if not math.isfinite(diff):
                bar.close()
                raise FloatingPointError(f"the free energy became {diff} at batch {done}: lower the learning rate")
            done += 1
            history["batch_epoch"].append(done / per_epoch)
            history["fe_diff"].append(diff)
            bar.update(1)
            if done % every == 0 and done < total:
                call_monitor(done)
            if time_budget_s is not None and time.perf_counter() - start > time_budget_s:
                stopped = done < total
                break
        call_monitor(done)
        bar.close()
        history.update(seconds=time.perf_counter() - start, batches=done, stopped_by_budget=stopped)
        if stopped and verbose:
            print(f"time budget of {time_budget_s:.0f} s reached after {done / per_epoch:.2f} of {epochs} epochs")
        return history

    # -- using a trained model
    def _batched(self, fn, data, batch_size):
        data = np.asarray(data, dtype=np.float32)
        return np.concatenate([fn(data[i:i + batch_size]).numpy() for i in range(0, len(data), batch_size)]
                              or [np.zeros((0, 0), np.float32)])

    def transform(self, data, batch_size: int = 2000) -> np.ndarray:
        """Features: p(h = 1 | v) for each row, float32 NumPy array (n, n_hidden)."""
        return self._batched(self.hidden_probabilities, data, batch_size)

    def reconstruct(self, data, batch_size: int = 2000) -> np.ndarray:
        """Mean-field reconstructions p(v = 1 | h = p(h = 1 | v)), float32 NumPy array (n, n_visible)."""
        return self._batched(lambda v: self.visible_probabilities(self.hidden_probabilities(v)), data, batch_size)

    def reconstruction_mse(self, data, batch_size: int = 2000) -> float:
        """Mean over pixels and examples of (v - mean-field reconstruction)^2."""
        data = np.asarray(data, dtype=np.float32)
        return float(np.mean((self.reconstruct(data, batch_size) - data) ** 2))

    def mean_free_energy(self, data, batch_size: int = 2000) -> float:
        """Mean F(v) over the rows of data."""
        return float(np.mean(self._batched(self.free_energy, data, batch_size)))

    def daydream(self, start, steps: int, record_every: int = 1) -> np.ndarray:
        """Gibbs chains from the visible states ``start`` (n, n_visible): every ``record_every`` steps,
        the probabilities p(v | h) (what the chain "sees"). Returns (n_records, n, n_visible), the
        start first."""
        v = tf.convert_to_tensor(np.asarray(start, dtype=np.float32))
        frames = [v.numpy()]
        key = ("daydream", int(record_every))
        if key not in self._steps:  # one traced function per record_every, for any number of chains
            def chain(x):  # a graph loop (tf.range), so long chains trace as fast as short ones
                p = x
                for _ in tf.range(key[1]):
                    p = self.visible_probabilities(self.sample(self.hidden_probabilities(x)))
                    x = self.sample(p)
                return x, p
            self._steps[key] = tf.function(chain, input_signature=[tf.TensorSpec([None, self.n_visible], tf.float32)])
        step_fn = self._steps[key]
        for _ in range(int(steps) // record_every):
            with _quiet_tracing():
                v, p_v = step_fn(v)
            frames.append(p_v.numpy())
        return np.stack(frames)


# --- pictures ------------------------------------------------------------------------------

def tile_images(images, n_cols: int, shape=(28, 28), pad: int = 1, normalise: bool = False) -> np.ndarray:
    """Tile images (n, h*w) into one 2-D array of n_cols columns, ``pad`` pixels apart (NaN gaps).

    normalise: scale each image to [0, 1] by its own min and max (for filters, whose sign matters
    more than their size).
    """
    images = np.asarray(images, dtype=np.float64).reshape(-1, *shape)
    if normalise:
        low = images.min(axis=(1, 2), keepdims=True)
        high = images.max(axis=(1, 2), keepdims=True)
        images = (images - low) / np.where(high > low, high - low, 1.0)
    n = len(images)
    n_rows = max(1, math.ceil(n / n_cols))
    h, w = shape
    canvas = np.full((n_rows * (h + pad) - pad, n_cols * (w + pad) - pad), np.nan)
    for i, image in enumerate(images):
        r, col = divmod(i, n_cols)
        canvas[r * (h + pad):r * (h + pad) + h, col * (w + pad):col * (w + pad) + w] = image
    return canvas


def show_filters(W, n: int = 64, n_cols: int = 16, shape=(28, 28), ax=None, title="Learned filters (columns of W)"):
    """Show the first n columns of W (n_visible, n_hidden) as images, each scaled by its own range."""
    import matplotlib.pyplot as plt

    W = np.asarray(W)
    n = min(n, W.shape[1])
    if ax is None:
        _, ax = plt.subplots(figsize=(n_cols * 0.7, math.ceil(n / n_cols) * 0.7 + 0.6))
    ax.imshow(tile_images(W[:, :n].T, n_cols, shape, normalise=True), cmap="gray", interpolation="nearest")
    ax.set(title=title, xticks=[], yticks=[])
    ax.grid(False)
    return ax
