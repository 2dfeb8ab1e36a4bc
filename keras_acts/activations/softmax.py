"""Functions of a whole axis: softmax and its relatives."""

from __future__ import annotations

import tensorflow as tf

from keras_acts.activations._base import activation


def check_axis(x: tf.Tensor, axis: int) -> int:
    """``axis`` validated against ``x``'s rank, as a non-negative index."""
    rank = x.shape.rank
    if rank == 0:
        raise ValueError("softmax-like activations need an input of rank >= 1, got a scalar.")
    if not isinstance(axis, int) or isinstance(axis, bool):
        raise TypeError(f"`axis` must be an int, got {axis!r}")
    if rank is not None and not -rank <= axis < rank:
        raise ValueError(f"`axis`={axis} is out of range for an input of rank {rank}.")
    return axis % rank if rank is not None else axis


@activation("softmax", family="softmax", reference="Bridle 1990; Keras `keras.activations.softmax`")
def softmax(x, axis=-1):
    """Softmax: ``exp(x_i - max(x)) / sum_j exp(x_j - max(x))`` along ``axis``.

    Args:
        x: input tensor of rank >= 1.
        axis: the axis that sums to 1.

    Returns:
        A tensor of ``x``'s shape and float dtype, non-negative, summing to 1
        along ``axis``.

    Raises:
        ValueError: ``x`` is a scalar or ``axis`` is out of range.

    Reference: Bridle (1990), "Probabilistic Interpretation of Feedforward
    Classification Network Outputs"; Keras ``keras.activations.softmax``.

    >>> softmax([1., 2., 5.]).numpy()
    array([0.01714783, 0.04661262, 0.93623954], dtype=float32)
    """
    return tf.nn.softmax(x, axis=check_axis(x, axis))
