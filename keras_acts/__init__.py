"""keras_acts: more activation functions and layers for Keras 3, usable as strings.

Importing keras_acts makes every keras_acts name work as
``activation="name"`` in any Keras layer, next to Keras's own names.
"""

import keras as _keras

if _keras.backend.backend() != "tensorflow":
    # Its functions and layers are TensorFlow ops: under another backend they would mix
    # two frameworks' tensors and fail only when traced, with another library's error.
    raise ImportError(
        "keras_acts needs Keras's TensorFlow backend (its functions and layers are "
        f"TensorFlow ops); Keras is using the {_keras.backend.backend()!r} backend. Set the "
        "environment variable KERAS_BACKEND=tensorflow (or \"backend\" in ~/.keras/keras.json) "
        "before Keras is imported.")
del _keras

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
