"""keras_acts's activation functions, by family, and the registry's lookup.

Every function takes a tensor (or a number, list, numpy array, or
``keras.Input`` tensor) and returns a tensor of the same shape and float dtype.
"""

from keras_acts.activations.rectifiers import elu, leaky_relu, linear, relu, selu, squared_relu
from keras_acts.activations.sigmoids import sigmoid, softsign, tanh
from keras_acts.activations.smooth import (
    exponential,
    gelu_tanh,
    lisht,
    mish,
    quick_gelu,
    snake,
    softplus,
)
from keras_acts.activations.softmax import softmax
from keras_acts.registry import deserialize, get, serialize

__all__ = [
    "deserialize",
    "elu",
    "exponential",
    "gelu_tanh",
    "get",
    "leaky_relu",
    "linear",
    "lisht",
    "mish",
    "quick_gelu",
    "relu",
    "selu",
    "serialize",
    "sigmoid",
    "snake",
    "softmax",
    "softplus",
    "softsign",
    "squared_relu",
    "tanh",
]
