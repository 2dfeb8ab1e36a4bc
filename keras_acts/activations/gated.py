"""Gated linear units: the input is split in halves; one half gates the other.

The output has half the input's size along ``axis``. By default the second
half is the gate (``a * act(b)`` for ``x = [a, b]``), as in Keras's ``glu``;
``gate="first"`` makes it ``act(a) * b``.
"""

from __future__ import annotations

import tensorflow as tf

from keras_acts.activations._base import activation
from keras_acts.activations.smooth import gelu, silu
from keras_acts.activations.softmax import check_axis


def _gated(value, gate):
    """``value * gate``, with 0 where the gate is exactly 0 even for an infinite value
    (the limit), while a NaN value still gives NaN."""
    return tf.where(tf.math.is_nan(value), value, tf.math.multiply_no_nan(value, gate))


def _halves(x, axis, gate):
    axis = check_axis(x, axis)
    size = x.shape[axis]
    if size is not None and size % 2:
        raise ValueError(f"The size of `axis` {axis} must be even to split in halves, got {size}.")
    if gate not in ("first", "second"):
        raise ValueError(f"`gate` must be 'first' or 'second', got {gate!r}")
    a, b = tf.split(x, 2, axis=axis)
    return (a, b) if gate == "second" else (b, a)


@activation("glu", family="gated", reference="Dauphin et al. 2017, arXiv:1612.08083")
def glu(x, axis=-1, gate="second"):
    """Gated linear unit: ``a * sigmoid(b)`` for ``x = [a, b]`` split on ``axis``.

    Args:
        x: input tensor; its size along ``axis`` must be even.
        axis: the axis to split.
        gate: which half passes through the sigmoid, ``"second"`` (Keras) or ``"first"``.

    Returns:
        A tensor with half of ``x``'s size along ``axis``.

    Reference: Dauphin, Fan, Auli & Grangier (2017), "Language Modeling with
    Gated Convolutional Networks", arXiv:1612.08083.

    >>> glu([[1., 2., 0., 100.]]).numpy()
    array([[0.5, 2. ]], dtype=float32)
    """
    value, gate_input = _halves(x, axis, gate)
    return _gated(value, tf.math.sigmoid(gate_input))


@activation("swiglu", family="gated", reference="Shazeer 2020, arXiv:2002.05202")
def swiglu(x, axis=-1, gate="second"):
    """SwiGLU: ``a * silu(b)`` for ``x = [a, b]`` split on ``axis``.

    Args:
        x: input tensor; its size along ``axis`` must be even.
        axis: the axis to split.
        gate: which half passes through silu, ``"second"`` or ``"first"``.

    Returns:
        A tensor with half of ``x``'s size along ``axis``.

    Reference: Shazeer (2020), "GLU Variants Improve Transformer", arXiv:2002.05202.

    >>> swiglu([[2., 3., 1., 0.]]).numpy()
    array([[1.4621172, 0.       ]], dtype=float32)
    """
    value, gate_input = _halves(x, axis, gate)
    return _gated(value, silu(gate_input))


@activation("geglu", family="gated", reference="Shazeer 2020, arXiv:2002.05202")
def geglu(x, axis=-1, gate="second", approximate=False):
    """GEGLU: ``a * gelu(b)`` for ``x = [a, b]`` split on ``axis``.

    Args:
        x: input tensor; its size along ``axis`` must be even.
        axis: the axis to split.
        gate: which half passes through gelu, ``"second"`` or ``"first"``.
        approximate: use the tanh approximation of gelu.

    Returns:
        A tensor with half of ``x``'s size along ``axis``.

    Reference: Shazeer (2020), "GLU Variants Improve Transformer", arXiv:2002.05202.

    >>> geglu([[2., 3., 1., 0.]]).numpy()
    array([[1.6826895, 0.       ]], dtype=float32)
    """
    value, gate_input = _halves(x, axis, gate)
    return _gated(value, gelu(gate_input, approximate=approximate))


@activation("reglu", family="gated", upcast_half=False,
            reference="Shazeer 2020, arXiv:2002.05202")
def reglu(x, axis=-1, gate="second"):
    """ReGLU: ``a * relu(b)`` for ``x = [a, b]`` split on ``axis``.

    Args:
        x: input tensor; its size along ``axis`` must be even.
        axis: the axis to split.
        gate: which half passes through relu, ``"second"`` or ``"first"``.

    Returns:
        A tensor with half of ``x``'s size along ``axis``.

    Reference: Shazeer (2020), "GLU Variants Improve Transformer", arXiv:2002.05202.

    >>> reglu([[2., 3., 1., -1.]]).numpy()
    array([[2., 0.]], dtype=float32)
    """
    value, gate_input = _halves(x, axis, gate)
    return _gated(value, tf.nn.relu(gate_input))
