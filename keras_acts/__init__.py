"""keras_acts: more activation functions and layers for Keras 3, usable as strings.

Importing keras_acts makes every keras_acts name work as
``activation="name"`` in any Keras layer, next to Keras's own names.
"""

from keras_acts import activations, config, layers
from keras_acts.plot import plot  # matplotlib is imported only when plot() is called
from keras_acts.saving import load_model
from keras_acts.registry import (
    deserialize,
    get,
    list_activations,
    register_activation,
    serialize,
)

__version__ = "0.1.0"

__all__ = [
    "activations",
    "config",
    "deserialize",
    "get",
    "layers",
    "list_activations",
    "load_model",
    "plot",
    "register_activation",
    "serialize",
]
