"""Transfer learning with MobileNet v1 (alpha 0.25) and the registered ImageNet weights.

``03_cnn/07_cats_vs_dogs`` trains this model on cats and dogs; chapter 8 (mobile) converts and
quantizes it, and builds it again from here instead of copying the code::

    from dlcourse.transfer import build_mobilenet_classifier, set_trainable_blocks
    train, validation = dlcourse.load_cats_vs_dogs(image_size=160)
    model = build_mobilenet_classifier(160)                    # frozen ImageNet features, new head
    set_trainable_blocks(model.get_layer("mobilenet"), 12)     # then fine-tune blocks 12-13

The weights are the registry's file ``weights/mobilenet_2_5_224_tf_no_top.h5`` (found and
verified by :mod:`dlcourse.data`); Keras never downloads anything. This module imports Keras,
so ``import dlcourse`` does not load it.
"""

from __future__ import annotations

import re
from pathlib import Path

import keras
import numpy as np

from . import data

MOBILENET_ALPHA = 0.25
MOBILENET_WEIGHTS = "mobilenet_2_5_224_tf_no_top.h5"  # Keras' name for alpha 0.25, no classifier
N_BLOCKS = 13  # depthwise-separable blocks after the stem
BASE_NAME = "mobilenet"


def mobilenet_weights_path() -> Path:
    """The verified ImageNet weights of MobileNet v1 alpha 0.25 without its classifier (2.1 MB)."""
    return data.locate("weights", MOBILENET_WEIGHTS)


def mobilenet_block(layer_name: str) -> int | None:
    """The block of MobileNet v1 a layer belongs to, from its Keras name.

    0 for the stem (``conv1``, ``conv1_bn``, ``conv1_relu``); k in 1-13 for the k-th
    depthwise-separable block (``conv_pad_k``, ``conv_dw_k``, ``conv_dw_k_bn``, ``conv_dw_k_relu``,
    ``conv_pw_k``, ``conv_pw_k_bn``, ``conv_pw_k_relu``); None for any other layer (the input).
    """
    match = re.fullmatch(r"conv_(?:pad|dw|pw)_(\d+)(?:_bn|_relu)?", layer_name)
    if match:
        return int(match.group(1))
    return 0 if re.fullmatch(r"conv1(?:_bn|_relu)?", layer_name) else None


def count_params(weights) -> int:
    """The number of scalars in a list of variables (e.g. ``model.trainable_weights``)."""
    return int(sum(np.prod(w.shape) for w in weights))


def set_trainable_blocks(base: keras.Model, trainable_from: int | None) -> int:
    """Freeze a MobileNet v1 ``base`` below block ``trainable_from``; return its trainable parameters.

    None: the whole base is frozen (feature extraction). k in 0-13: the layers of blocks k to 13
    are trainable (their convolutions, and their batch normalisations' scale and offset), the
    layers below are frozen; 0 trains everything. Compile the model again afterwards: ``fit``
    keeps the setting it was compiled with.
    """
    if trainable_from is None:
        base.trainable = False
        return 0
    if not 0 <= trainable_from <= N_BLOCKS:
        raise ValueError(f"trainable_from must be None or a block from 0 to {N_BLOCKS}, got {trainable_from}")
    base.trainable = True  # sets every layer; the loop below then freezes the lower blocks
    for layer in base.layers:
        block = mobilenet_block(layer.name)
        layer.trainable = block is not None and block >= trainable_from
    return count_params(base.trainable_weights)


def build_mobilenet_classifier(image_size: int = 160, weights: str | Path | None = "imagenet",
                               trainable_from: int | None = None, dropout: float = 0.2,
                               name: str = "mobilenet_classifier") -> keras.Model:
    """MobileNet v1 (alpha 0.25) features with a new head that tells two classes apart.

    Input: float32 images (batch, image_size, image_size, 3), RGB pixels in [0, 255], as
    ``dlcourse.load_cats_vs_dogs`` yields them. Output: (batch, 1), the sigmoid probability of
    class 1 (dog). The layers:

    - ``Rescaling(1/127.5, offset=-1)``: pixels to [-1, 1], the scaling MobileNet was trained
      with (``keras.applications.mobilenet.preprocess_input``), so the model takes raw pixels;
    - the layer ``"mobilenet"``: MobileNet v1 without its classifier, (batch, s/32, s/32, 256),
      called with ``training=False`` so that its batch normalisation keeps the ImageNet
      statistics even while its blocks are fine-tuned on a few thousand images;
    - global average pooling (batch, 256), dropout, ``Dense(1, sigmoid)``: 257 new parameters.

    weights: ``"imagenet"`` (the registered ImageNet file, never a download), a path to a weights
    file, or None (random initialisation). trainable_from: see :func:`set_trainable_blocks`.
    image_size: at least 32; the weights fit any size, since every layer is a convolution (Keras'
    own ImageNet sizes are 128, 160, 192 and 224).
    """
    if weights == "imagenet":
        weights = mobilenet_weights_path()
    base = keras.applications.MobileNet(input_shape=(image_size, image_size, 3), alpha=MOBILENET_ALPHA,
                                        include_top=False, weights=None if weights is None else str(weights),
                                        name=BASE_NAME)
    set_trainable_blocks(base, trainable_from)
    inputs = keras.Input(shape=(image_size, image_size, 3), name="pixels")
    x = keras.layers.Rescaling(1 / 127.5, offset=-1.0, name="to_minus1_1")(inputs)
    x = base(x, training=False)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    x = keras.layers.Dropout(dropout, name="dropout")(x)
    outputs = keras.layers.Dense(1, activation="sigmoid", name="p_dog")(x)
    return keras.Model(inputs, outputs, name=name)
