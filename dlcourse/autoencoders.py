"""Autoencoders for chapter 6 (``06_autoencoders``): the data, the corruption, the measures and the
Keras models that several of the chapter's notebooks build.

The NumPy functions :func:`gaussian_corruption`, :func:`kl_sparsity`, :func:`psnr` and
:func:`tied_decoder_forward` are the
reference answers of notebook exercises (``tests/test_autoencoders.py`` pins them); the notebooks
fall back on them while an exercise is unsolved (:func:`dlcourse.notebook.solved_or`).
Shapes: a batch of flat images is (n, 784) float32 in [0, 1]; a batch of image tensors is
(n, 28, 28, 1).
"""

from __future__ import annotations

import numpy as np

__all__ = ["mnist_images", "fashion_mnist_images", "gaussian_corruption", "kl_sparsity", "psnr",
           "tied_decoder_forward",
           "SparsityPenalty", "TiedDense", "dense_autoencoder", "conv_autoencoder", "reconstruction_mse",
           "RECIPE_INIT_STDDEV"]

RECIPE_INIT_STDDEV = 1.0  # the Cookbook's classes draw weights from tf.random_normal (standard deviation 1)


def _images(loader, n_train, n_test, flat):
    (x_train, y_train), (x_test, y_test) = loader()
    shape = (-1, 784) if flat else (-1, 28, 28, 1)
    x_train = (x_train[:n_train].astype(np.float32) / 255.0).reshape(shape)
    x_test = (x_test[:n_test].astype(np.float32) / 255.0).reshape(shape)
    return x_train, y_train[:n_train].astype(np.int64), x_test, y_test[:n_test].astype(np.int64)


def mnist_images(n_train: int | None = None, n_test: int | None = None, flat: bool = True):
    """MNIST as the recipes feed it: ``x_train, y_train, x_test, y_test``.

    x: float32 in [0, 1], (n, 784) when ``flat`` else (n, 28, 28, 1); y: int64 digits. ``n_train`` and
    ``n_test`` keep the first images of each split (None: all 60,000 and 10,000).
    """
    from .data import load_mnist
    return _images(load_mnist, n_train, n_test, flat)


def fashion_mnist_images(n_train: int | None = None, n_test: int | None = None, flat: bool = True):
    """Fashion-MNIST in the same form as :func:`mnist_images`."""
    from .data import load_fashion_mnist
    return _images(load_fashion_mnist, n_train, n_test, flat)


def gaussian_corruption(x, noise_factor: float, seed: int) -> np.ndarray:
    """x plus noise_factor times standard Gaussian noise, clipped to [0, 1] (the recipes' corruption).

    x: array of any shape with values in [0, 1]; noise_factor >= 0; seed: the seed of
    np.random.default_rng, whose ``standard_normal(x.shape)`` draws the noise. Returns a new float32
    array of x's shape; x itself is not changed. The same seed gives the same noise.
    """
    if noise_factor < 0:
        raise ValueError(f"noise_factor must be >= 0, got {noise_factor}")
    x = np.asarray(x, dtype=np.float32)
    noise = np.random.default_rng(seed).standard_normal(x.shape)
    return np.clip(x + noise_factor * noise, 0.0, 1.0).astype(np.float32)


def kl_sparsity(rho: float, activations, eps: float = 1e-7) -> float:
    """The sparse autoencoder's penalty: the sum over hidden units of KL(rho || rho_hat_j).

    activations: (batch, n_hidden) sigmoid outputs in [0, 1]; rho: target mean activation in (0, 1).
    rho_hat_j is unit j's mean activation over the batch, clipped to [eps, 1 - eps] so that a unit
    that is always off or always on gives a large finite penalty, not inf. KL(rho || q) =
    rho log(rho / q) + (1 - rho) log((1 - rho) / (1 - q)). Returns a Python float (0 only when every
    unit's mean activation equals rho). Raises ValueError when activations is not 2-D.
    """
    a = np.asarray(activations, dtype=np.float64)
    if a.ndim != 2:
        raise ValueError(f"activations must be (batch, n_hidden), got shape {a.shape}")
    q = np.clip(a.mean(axis=0), eps, 1 - eps)
    return float(np.sum(rho * np.log(rho / q) + (1 - rho) * np.log((1 - rho) / (1 - q))))


def psnr(clean, other, data_range: float = 1.0) -> np.ndarray:
    """Peak signal-to-noise ratio of each image of ``other`` against the same image of ``clean``, in dB.

    clean, other: arrays of the same shape (n, ...) (n images of any shape); data_range: the largest
    possible pixel value (1.0 for images in [0, 1]). PSNR_i = 10 log10(data_range^2 / MSE_i), MSE_i the
    mean squared difference over image i's pixels. Returns a float64 array of shape (n,); identical
    images give inf.
    """
    clean, other = np.asarray(clean, dtype=np.float64), np.asarray(other, dtype=np.float64)
    if clean.shape != other.shape:
        raise ValueError(f"shapes differ: {clean.shape} and {other.shape}")
    mse = ((clean - other) ** 2).reshape(len(clean), -1).mean(axis=1)
    with np.errstate(divide="ignore"):
        return 10.0 * np.log10(data_range ** 2 / mse)



def tied_decoder_forward(code, W_encoder, b_decoder) -> np.ndarray:
    """The output of a decoder tied to an encoder: sigmoid(code @ W_encoder.T + b_decoder), in NumPy
    (what :class:`TiedDense` computes).

    code: (n, n_code); W_encoder: the ENCODER's kernel, (n_in, n_code); b_decoder: the decoder's own
    bias, (n_in,). Returns a float32 array of shape (n, n_in) with values in [0, 1], finite even when
    the pre-activation is as large as +-1000. Raises ValueError if the shapes do not fit.
    """
    code, W, b = (np.asarray(a, dtype=np.float64) for a in (code, W_encoder, b_decoder))
    if code.ndim != 2 or W.ndim != 2 or code.shape[1] != W.shape[1] or b.shape != (W.shape[0],):
        raise ValueError(f"shapes do not fit: code {code.shape}, W_encoder {W.shape}, b_decoder {b.shape}")
    return (0.5 * (1.0 + np.tanh(0.5 * (code @ W.T + b)))).astype(np.float32)   # sigmoid, no overflow

def _keras():
    import keras
    return keras


def _sparsity_penalty_class():
    keras = _keras()
    from keras import ops

    @keras.saving.register_keras_serializable(package="dlcourse")
    class SparsityPenalty(keras.layers.Layer):
        """Passes its input through and adds ``weight * sum_j KL(rho || mean activation of unit j)``
        to the model's loss, as the recipes do. Keras' ``activity_regularizer`` would divide the
        penalty by the batch size; this layer does not, so ``weight`` means what the recipe's alpha means."""

        def __init__(self, rho=0.02, weight=7.5e-5, eps=1e-7, **kwargs):
            super().__init__(**kwargs)
            self.rho, self.weight, self.eps = float(rho), float(weight), float(eps)

        def call(self, activations):
            q = ops.clip(ops.mean(activations, axis=0), self.eps, 1 - self.eps)
            kl = self.rho * ops.log(self.rho / q) + (1 - self.rho) * ops.log((1 - self.rho) / (1 - q))
            self.add_loss(self.weight * ops.sum(kl))
            return activations

        def get_config(self):
            return {**super().get_config(), "rho": self.rho, "weight": self.weight, "eps": self.eps}

    return SparsityPenalty


def _tied_dense_class():
    keras = _keras()
    from keras import ops

    @keras.saving.register_keras_serializable(package="dlcourse")
    class TiedDense(keras.layers.Layer):
        """A decoder layer that uses the TRANSPOSE of another Dense layer's kernel and owns only its
        bias: y = activation(x W^T + b). The stacked-autoencoder recipe ties its weights this way."""

        def __init__(self, tied_to, activation="sigmoid", **kwargs):
            super().__init__(**kwargs)
            # object.__setattr__ keeps Keras from tracking the encoder as a sublayer of this one, so
            # this layer's weights are its bias alone; the kernel stays the encoder's variable.
            object.__setattr__(self, "tied_to", tied_to)
            self.activation = keras.activations.get(activation)

        def build(self, input_shape):
            n_out = self.tied_to.kernel.shape[0]
            self.bias = self.add_weight(name="bias", shape=(n_out,), initializer="zeros")

        def call(self, x):
            return self.activation(ops.matmul(x, ops.transpose(self.tied_to.kernel)) + self.bias)

    return TiedDense


def __getattr__(name):
    # The Keras classes are made on first use, so importing this module does not import TensorFlow.
    if name == "SparsityPenalty":
        cls = _sparsity_penalty_class()
    elif name == "TiedDense":
        cls = _tied_dense_class()
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = cls
    return cls


def dense_autoencoder(n_hidden: int, n_in: int = 784, sparsity_weight: float = 0.0, rho: float = 0.02,
                      recipe_init: bool = False, learning_rate: float = 0.01, name: str = "autoencoder"):
    """The recipes' one-hidden-layer autoencoder, compiled: n_in -> n_hidden (sigmoid) -> n_in (sigmoid),
    MSE, Adam(learning_rate) (the recipes' eta = 0.01).

    sparsity_weight > 0 adds the KL sparsity penalty on the code (:class:`SparsityPenalty`, target rho).
    recipe_init=True draws the weights from N(0, 1) as the recipe's ``tf.random_normal`` does; False
    keeps Keras' Glorot-uniform default. Returns (autoencoder, encoder); the encoder shares its layers.
    """
    keras = _keras()
    init = (keras.initializers.RandomNormal(stddev=RECIPE_INIT_STDDEV) if recipe_init
            else keras.initializers.GlorotUniform())
    inputs = keras.Input((n_in,), name="image")
    code = keras.layers.Dense(n_hidden, activation="sigmoid", kernel_initializer=init, name="encoder")(inputs)
    if sparsity_weight:
        code = __getattr__("SparsityPenalty")(rho=rho, weight=sparsity_weight, name="sparsity")(code)
    outputs = keras.layers.Dense(n_in, activation="sigmoid", kernel_initializer=init, name="decoder")(code)
    model = keras.Model(inputs, outputs, name=name)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="mse")
    return model, keras.Model(inputs, code, name=f"{name}_encoder")


def conv_autoencoder(upsampling: str = "nearest", filters=(32, 32, 16), learning_rate: float = 1e-3,
                     name: str | None = None):
    """The convolutional-autoencoder recipe, compiled: 28x28x1 -> three 3x3 ReLU convolutions (32, 32, 16
    filters), each followed by 2x2 max pooling ('same'), to a 4x4x16 code, and back to 28x28x1.

    upsampling="nearest": the recipe's decoder, nearest-neighbour resizing to 7, 14 and 28 pixels, each
    followed by a 3x3 convolution (16, 32, 32 filters), then a 3x3 convolution to one channel.
    upsampling="transpose": the same sizes reached with stride-2 3x3 transposed convolutions instead
    (4 -> 8 cropped to 7, -> 14, -> 28): the decoder the recipe avoids because of checkerboard artefacts.
    The last layer is a sigmoid; the loss is binary cross-entropy (the recipe's sigmoid cross-entropy on
    logits) with Adam(learning_rate). Returns (autoencoder, encoder).
    """
    keras = _keras()
    from keras import layers
    if upsampling not in ("nearest", "transpose"):
        raise ValueError(f"upsampling must be 'nearest' or 'transpose', got {upsampling!r}")
    f1, f2, f3 = filters
    inputs = keras.Input((28, 28, 1), name="image")
    x = inputs
    for f in (f1, f2, f3):
        x = layers.Conv2D(f, 3, padding="same", activation="relu")(x)
        x = layers.MaxPooling2D(2, padding="same")(x)
    code = x  # 4 x 4 x f3
    if upsampling == "nearest":
        for size, f in ((7, f3), (14, f2), (28, f1)):
            x = layers.Resizing(size, size, interpolation="nearest")(x)
            x = layers.Conv2D(f, 3, padding="same", activation="relu")(x)
    else:
        x = layers.Conv2DTranspose(f3, 3, strides=2, padding="same", activation="relu")(x)   # 8 x 8
        x = layers.Cropping2D(((0, 1), (0, 1)))(x)                                         # 7 x 7
        x = layers.Conv2DTranspose(f2, 3, strides=2, padding="same", activation="relu")(x)   # 14 x 14
        x = layers.Conv2DTranspose(f1, 3, strides=2, padding="same", activation="relu")(x)   # 28 x 28
    outputs = layers.Conv2D(1, 3, padding="same", activation="sigmoid", name="reconstruction")(x)
    name = name or f"conv_autoencoder_{upsampling}"
    model = keras.Model(inputs, outputs, name=name)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="binary_crossentropy")
    return model, keras.Model(inputs, code, name=f"{name}_encoder")


def reconstruction_mse(model, x, batch_size: int = 1000) -> float:
    """Mean squared error per pixel between x and model.predict(x), over all images and pixels."""
    reconstructed = model.predict(x, batch_size=batch_size, verbose=0)
    return float(np.mean((np.asarray(x, dtype=np.float64) - reconstructed.reshape(np.shape(x))) ** 2))
