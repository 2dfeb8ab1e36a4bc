"""Sigmoid-shaped functions: bounded, monotonic, saturating at both ends."""

from __future__ import annotations

import tensorflow as tf

from keras_acts.activations._base import activation, constant


@activation("sigmoid", aliases=("logistic",), family="sigmoids",
            reference="Keras `keras.activations.sigmoid`")
def sigmoid(x):
    """Logistic sigmoid: ``1 / (1 + exp(-x))``, in (0, 1).

    Args:
        x: input tensor.

    Returns:
        A tensor of ``x``'s shape and float dtype; 0 at ``-inf``, 1 at ``inf``.

    Reference: Keras ``keras.activations.sigmoid``.

    >>> sigmoid([-20., 0., 2.]).numpy()
    array([2.0611537e-09, 5.0000000e-01, 8.8079709e-01], dtype=float32)
    """
    return tf.math.sigmoid(x)


@activation("tanh", family="sigmoids", reference="Keras `keras.activations.tanh`")
def tanh(x):
    """Hyperbolic tangent: ``(exp(x) - exp(-x)) / (exp(x) + exp(-x))``, in (-1, 1).

    Args:
        x: input tensor.

    Returns:
        A tensor of ``x``'s shape and float dtype.

    Reference: Keras ``keras.activations.tanh``.

    >>> tanh([-3., 0., 0.5]).numpy()
    array([-0.9950547 ,  0.        ,  0.46211714], dtype=float32)
    """
    return tf.math.tanh(x)


@activation("softsign", family="sigmoids",
            reference="Bergstra et al. 2009, 'Quadratic polynomials learn better image features'")
def softsign(x):
    """Softsign: ``x / (1 + |x|)``, in (-1, 1); exactly ±1 at ±inf.

    Args:
        x: input tensor.

    Returns:
        A tensor of ``x``'s shape and float dtype.

    Reference: Bergstra, Desjardins, Lamblin & Bengio (2009), "Quadratic
    polynomials learn better image features"; Keras ``keras.activations.softsign``.

    >>> softsign([-3., 0., 1., float("inf")]).numpy()
    array([-0.75,  0.  ,  0.5 ,  1.  ], dtype=float32)
    """
    # Clamping to the largest finite value keeps inf/inf out; softsign is
    # already 1 to working precision there, and the gradient there is 0.
    big = constant(x.dtype.max, x)
    x = tf.clip_by_value(x, -big, big)
    return x / (1 + tf.abs(x))
