"""Activation layers: stateless ones, learnable ones, and the base class for your own.

Besides the hand-written layers below, there is one stateless layer for every
keras_acts function (``Mish``, ``GELU``, ``SwiGLU``, ``LiSHT`` ...), whose
arguments are the function's options: ``keras_acts.layers.GELU(approximate=True)``.
"""

from keras_acts.layers.activation import (
    ELU,
    Activation,
    FunctionLayer,
    LeakyReLU,
    Maxout,
    ReLU,
    RReLU,
    Softmax,
    ThresholdedReLU,
    function_layers,
    layer_name,
)
from keras_acts.layers.base import AtLeast, Parameter, ParametricActivation
from keras_acts.layers.learnable import (
    ACON,
    APL,
    PELU,
    TLU,
    DyT,
    PReLU,
    Rational,
    Snake,
    SReLU,
    StarReLU,
    Swish,
)

globals().update(function_layers(set(globals())))

LEARNABLE = ("ACON", "APL", "DyT", "PELU", "PReLU", "Rational", "SReLU", "Snake", "StarReLU",
             "Swish", "TLU")

__all__ = sorted(
    name for name, value in globals().items()
    if isinstance(value, type) and not name.startswith("_")
) + ["function_layers", "layer_name"]
