"""Keras callbacks that notebooks share.

Notebook 2 of chapter 3 (``03_cnn/02_mnist_cnns``) builds these two in front of the student;
later notebooks import them from here (``from dlcourse.callbacks import TimeBudget``) instead of
copying them. This module imports Keras, so ``import dlcourse`` does not load it.
"""

from __future__ import annotations

import time

import keras


class EpochTimer(keras.callbacks.Callback):
    """Records the wall-clock seconds of every epoch (training and validation) in `seconds`."""

    def on_train_begin(self, logs=None):
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch_start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self.epoch_start)


class TimeBudget(EpochTimer):
    """Stops fit() once `minutes` of wall time have passed; records each epoch's seconds in `seconds`.

    The check runs after every batch; once the budget is spent it sets `model.stop_training`, and
    Keras 3 leaves the epoch after that batch, still runs the validation and `on_epoch_end` of the
    partial epoch, and returns: the last epoch of a stopped run may be a part of one (its entry in
    `seconds` and in the History too). `budget_spent` says whether it stopped.
    """

    def __init__(self, minutes):
        super().__init__()
        self.budget_seconds = 60 * minutes

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        self.start, self.budget_spent = time.perf_counter(), False

    def on_train_batch_end(self, batch, logs=None):
        if time.perf_counter() - self.start > self.budget_seconds:
            self.model.stop_training = self.budget_spent = True
