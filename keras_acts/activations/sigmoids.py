"""Sigmoid-shaped functions: bounded, monotonic, saturating at both ends."""

from __future__ import annotations

import tensorflow as tf

from keras_acts.activations._base import (
    activation,
    constant,
    expm1_nonpositive,
    gradient_from_input,
    gradient_from_input_and_output,
    gradient_from_output,
    holds_nan_on_host,
    in_xla_context,
    is_float64,
    log_sigmoid_kernel,
    real_number,
    where,
)


# sigmoid(x) sigmoid(-x): TensorFlow's y (1 - y) loses the tail for large x.
@gradient_from_input_and_output(lambda dy, x, y: dy * y * tf.math.sigmoid(-x))
def _sigmoid_exact_gradient(x):
    return tf.math.sigmoid(x)


def _sech_squared_gradient(dy, x):
    # sech(x)^2 = 4 t / (1 + t)^2 with t = exp(-2|x|): TensorFlow's 1 - y^2 cancels.
    t = tf.math.exp(-2 * tf.abs(x))
    return dy * 4 * t / tf.square(1 + t)


@gradient_from_input(_sech_squared_gradient)
def _tanh_exact_gradient(x):
    return tf.math.tanh(x)


# log_sigmoid'(x) = sigmoid(-x) = 1 - exp(y): from the output alone, which the next
# layer keeps anyway (TensorFlow's gradient keeps -x as well), and without
# cancellation in any dtype.
@gradient_from_output(lambda dy, y: expm1_nonpositive(y) * -dy)
def _log_sigmoid_from_output(x):
    return log_sigmoid_kernel(x)


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
    if is_float64(x):  # float64 gradients keep their tail (float32's is 0 there anyway)
        return _sigmoid_exact_gradient(x)
    return tf.raw_ops.Sigmoid(x=x)


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
    if is_float64(x):
        return _tanh_exact_gradient(x)
    return tf.raw_ops.Tanh(x=x)


def _softsign_gradient(dy, y):
    # softsign'(x) = 1 / (1 + |x|)^2 = (1 - |y|)^2: from the output, which the next
    # layer keeps anyway; within an absolute eps or so, as TensorFlow's tanh gradient.
    r = 1 - tf.abs(y)
    return dy * (r * r)


# Python floats: raw ops take them through TensorFlow's scalar cache (DType.max, a numpy
# scalar, takes 25 µs through the slow path).
_LARGEST = {tf.float32: float(tf.float32.max), tf.float64: float(tf.float64.max)}


def _softsign_clamped(x):
    # Clamping to the largest finite value keeps inf/inf out; softsign is
    # already 1 to working precision there, and the gradient there is 0.
    big = _LARGEST[x.dtype]
    return tf.raw_ops.Softsign(features=tf.raw_ops.ClipByValue(t=x, clip_value_min=-big, clip_value_max=big))


# Small tensors eagerly (large ones and graphs take the clamped form, compiled where
# large): TensorFlow's kernel, right but at ±inf (inf / inf), with NumPy looking for a
# NaN in its output on the host, then the clamped form where there is one. On [1, 1024]
# the kernel and the check take 6.8 µs, Keras's softsign 6.3, the compiled clamped form
# called directly 10-11 (the call 13.8).
@gradient_from_output(_softsign_gradient, fuse_small_eagerly=False, fuse_small_backward_eagerly=True)
def _softsign_from_output(x):
    if tf.executing_eagerly() and "CPU" in x.device:
        y = tf.raw_ops.Softsign(features=x)
        if not holds_nan_on_host(y):
            return y
    return _softsign_clamped(x)


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
    return _softsign_from_output(x)


# Piecewise-linear functions whose slope can be read from the output: the backward
# pass keeps only y, which the next layer keeps anyway. Relu6Grad(dy * k, 6 y) is dy * k
# where 0 < y < 1 and 0 elsewhere (exactly 0 on the clipped parts, where y is 0 or 1).
@gradient_from_output(lambda dy, y: tf.raw_ops.Relu6Grad(gradients=dy / 6, features=6 * y))
def _hard_sigmoid(x):
    return tf.nn.relu6(x + constant(3.0, x)) / constant(6.0, x)


def _sparse_sigmoid_formula(x):
    return tf.clip_by_value(constant(0.5, x) * (x + 1), constant(0.0, x), constant(1.0, x))


_sparse_sigmoid = gradient_from_output(
    lambda dy, y: tf.raw_ops.Relu6Grad(gradients=dy / 2, features=6 * y))(_sparse_sigmoid_formula)
# Inside one XLA program with its forward pass, XLA:CPU rebuilds y from x in the
# backward loop anyway (x is kept either way); the gradient's own test on x is then
# the fewest flops: forward+backward 1.19-1.24x Keras's time from y, 0.99-1.00x from x.
_sparse_sigmoid_in_xla = gradient_from_input(
    lambda dy, x: where(tf.abs(x) < 1, constant(0.5, dy) * dy, constant(0.0, dy)))(
        _sparse_sigmoid_formula)


def _inside_gradient(dy, y, min_val, max_val):
    # dy where low < y < high: y - low and high - y are then both > 0
    inside_low = tf.raw_ops.ReluGrad(gradients=dy, features=y - constant(min_val, y))
    return tf.raw_ops.ReluGrad(gradients=inside_low, features=constant(max_val, y) - y)


@gradient_from_output(_inside_gradient, fuse_forward=False,  # forward: one TensorFlow kernel
                      fuse_small_backward_eagerly=True)  # backward: four
def _hard_tanh(x, min_val, max_val):
    return tf.raw_ops.ClipByValue(t=x, clip_value_min=constant(min_val, x), clip_value_max=constant(max_val, x))


@activation("hard_sigmoid", family="sigmoids",
            reference="Howard et al. 2019, arXiv:1905.02244 (Keras 3's definition)")
def hard_sigmoid(x):
    """Hard sigmoid, Keras 3's definition: ``relu6(x + 3) / 6``.

    0 for ``x <= -3``, 1 for ``x >= 3``, ``x / 6 + 0.5`` between. (Keras 2
    used ``clip(0.2 x + 0.5, 0, 1)``; ``keras_acts`` follows Keras 3.)

    Args:
        x: input tensor.

    Returns:
        A tensor of ``x``'s shape and float dtype, in [0, 1].

    Reference: Howard et al. (2019), "Searching for MobileNetV3",
    arXiv:1905.02244; Keras ``keras.activations.hard_sigmoid``.

    >>> hard_sigmoid([-4., 0., 1.5, 4.]).numpy()
    array([0.  , 0.5 , 0.75, 1.  ], dtype=float32)
    """
    return _hard_sigmoid(x)


@activation("sparse_sigmoid", family="sigmoids", reference="Blondel et al. 2019, arXiv:1901.02324")
def sparse_sigmoid(x):
    """Sparse sigmoid: ``clip((x + 1) / 2, 0, 1)``.

    Args:
        x: input tensor.

    Returns:
        A tensor of ``x``'s shape and float dtype, in [0, 1].

    Reference: Blondel, Martins & Niculae (2019), "Learning with
    Fenchel-Young Losses", arXiv:1901.02324.

    >>> sparse_sigmoid([-2., 0., 0.5, 2.]).numpy()
    array([0.  , 0.5 , 0.75, 1.  ], dtype=float32)
    """
    if in_xla_context():
        return _sparse_sigmoid_in_xla(x)
    return _sparse_sigmoid(x)


@activation("log_sigmoid", aliases=("logsigmoid",), family="sigmoids",
            reference="Keras `keras.activations.log_sigmoid`")
def log_sigmoid(x):
    """Log of the sigmoid: ``log(1 / (1 + exp(-x))) = -softplus(-x)``.

    Args:
        x: input tensor.

    Returns:
        A tensor of ``x``'s shape and float dtype, non-positive; ``-inf`` at ``-inf``.

    Reference: Keras ``keras.activations.log_sigmoid``.

    >>> log_sigmoid([-30., 0., 30.]).numpy()
    array([-3.000000e+01, -6.931472e-01, -9.357623e-14], dtype=float32)
    """
    return _log_sigmoid_from_output(x)


@activation("hard_tanh", aliases=("hardtanh",), family="sigmoids", upcast_half=False,
            reference="Collobert 2004, 'Large Scale Machine Learning'; PyTorch `nn.Hardtanh`")
def hard_tanh(x, min_val=-1.0, max_val=1.0):
    """Hard tanh: ``clip(x, min_val, max_val)``.

    Args:
        x: input tensor.
        min_val: lower bound (PyTorch's name), default -1.
        max_val: upper bound, default 1; must exceed ``min_val``.

    Returns:
        A tensor of ``x``'s shape and float dtype.

    Reference: Collobert (2004), "Large Scale Machine Learning" (thesis);
    PyTorch ``torch.nn.Hardtanh``.

    >>> hard_tanh([-3., 0.25, 3.]).numpy()
    array([-1.  ,  0.25,  1.  ], dtype=float32)
    """
    min_val, max_val = real_number(min_val, "min_val"), real_number(max_val, "max_val")
    if not min_val < max_val:
        raise ValueError(f"`min_val` must be below `max_val`, got {min_val!r} and {max_val!r}")
    return _hard_tanh(x, float(min_val), float(max_val))
