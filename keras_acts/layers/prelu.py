"""The parametric ReLU layer."""

from __future__ import annotations

import keras
import tensorflow as tf

from keras_acts import registry


@keras.saving.register_keras_serializable(package=registry.PACKAGE)
class PReLU(keras.layers.Layer):
    """Parametric ReLU: ``x if x > 0 else alpha * x`` with a learned ``alpha``.

    Args:
        alpha_initializer: initializer of ``alpha`` (default ``"zeros"``, as
            Keras; ``keras.initializers.Constant(0.25)`` is PyTorch's choice).
        alpha_regularizer: regularizer of ``alpha``.
        alpha_constraint: constraint on ``alpha``.
        shared_axes: axes along which one ``alpha`` is shared, counted as in
            the input shape (1 is the first axis after the batch); negative
            values count from the end (-1 is the last axis). Axes whose size
            is unknown when the layer is built are always shared.
        **kwargs: base layer arguments.

    >>> layer = PReLU(alpha_initializer=keras.initializers.Constant(0.25))
    >>> layer(tf.constant([[-4.0, 2.0]])).numpy()
    array([[-1.,  2.]], dtype=float32)
    """

    def __init__(
        self,
        alpha_initializer="zeros",
        alpha_regularizer=None,
        alpha_constraint=None,
        shared_axes=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.alpha_initializer = keras.initializers.get(alpha_initializer)
        self.alpha_regularizer = keras.regularizers.get(alpha_regularizer)
        self.alpha_constraint = keras.constraints.get(alpha_constraint)
        if shared_axes is None:
            shared_axes = ()
        elif isinstance(shared_axes, int):
            shared_axes = (shared_axes,)
        if not all(isinstance(a, int) and not isinstance(a, bool) and a != 0 for a in shared_axes):
            raise ValueError(
                f"`shared_axes` must be non-zero ints (axis 0 is the batch), got {shared_axes!r}"
            )
        self.shared_axes = tuple(shared_axes)

    def build(self, input_shape):
        rank = len(input_shape)
        shared = set()
        for axis in self.shared_axes:
            if not -rank < axis < rank:
                raise ValueError(
                    f"`shared_axes` entry {axis} is out of range for inputs of rank {rank} "
                    f"(shape {tuple(input_shape)})."
                )
            shared.add(axis % rank)
        shape = [
            1 if (i in shared or input_shape[i] is None) else input_shape[i]
            for i in range(1, rank)
        ]
        self.alpha = self.add_weight(
            shape=tuple(shape),
            name="alpha",
            initializer=self.alpha_initializer,
            regularizer=self.alpha_regularizer,
            constraint=self.alpha_constraint,
        )

    def call(self, inputs):
        alpha = tf.cast(self.alpha, inputs.dtype)
        return tf.where(inputs > 0, inputs, alpha * inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "alpha_initializer": keras.initializers.serialize(self.alpha_initializer),
            "alpha_regularizer": keras.regularizers.serialize(self.alpha_regularizer),
            "alpha_constraint": keras.constraints.serialize(self.alpha_constraint),
            "shared_axes": list(self.shared_axes) or None,
        }
