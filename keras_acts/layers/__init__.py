"""Activation layers: stateless wrappers and learnable activations."""

from keras_acts.layers.activation import Activation, LeakyReLU
from keras_acts.layers.prelu import PReLU

__all__ = ["Activation", "LeakyReLU", "PReLU"]
