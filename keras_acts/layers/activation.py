"""Stateless activation layers."""

from __future__ import annotations

import keras

from keras_acts import registry
from keras_acts.activations import rectifiers

PACKAGE = registry.PACKAGE


@keras.saving.register_keras_serializable(package=PACKAGE)
class Activation(keras.layers.Layer):
    """Applies an activation function; any identifier ``keras_acts.get`` accepts.

    Args:
        activation: a name (keras_acts's or Keras's, forgiving about case and
            ``-``/``_``), a config dict, a callable, or None for linear.
        **kwargs: base layer arguments (``name``, ``dtype``, ...).

    >>> import numpy as np
    >>> Activation("lisht")(np.array([-2.0, 0.0, 1.0])).numpy()
    array([1.9280552, 0.       , 0.7615942], dtype=float32)
    """

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.activation = registry.get(activation)

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "activation": registry.serialize(self.activation)}


@keras.saving.register_keras_serializable(package=PACKAGE)
class LeakyReLU(keras.layers.Layer):
    """Leaky ReLU layer: ``x if x > 0 else negative_slope * x``.

    Args:
        negative_slope: slope below zero, default 0.3 (as Keras's layer).
        alpha: TF 2's name for ``negative_slope``; pass one or the other.
        **kwargs: base layer arguments.

    >>> import numpy as np
    >>> LeakyReLU(alpha=0.1)(np.array([-10.0, 2.0])).numpy()
    array([-1.,  2.], dtype=float32)
    """

    def __init__(self, negative_slope=None, *, alpha=None, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.negative_slope = rectifiers._slope(alpha, negative_slope, 0.3)
        if self.negative_slope < 0:
            raise ValueError(f"`negative_slope` must be >= 0, got {self.negative_slope!r}")

    def call(self, inputs):
        return rectifiers.leaky_relu(inputs, negative_slope=self.negative_slope)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "negative_slope": self.negative_slope}
