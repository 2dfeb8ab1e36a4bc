"""keras_acts's activation functions, by family, and the registry's lookup.

Every function takes a tensor (or a number, list, numpy array, or
``keras.Input`` tensor) and returns a tensor of the same shape and float dtype
(the gated units halve the split axis).
"""

from keras_acts.activations.gated import geglu, glu, reglu, swiglu
from keras_acts.activations.rectifiers import (
    celu,
    elu,
    leaky_relu,
    linear,
    relu,
    relu6,
    rrelu,
    selu,
    sine_relu,
    squared_relu,
    threshold,
)
from keras_acts.activations.shrinkage import hard_shrink, soft_shrink, tanh_shrink
from keras_acts.activations.sigmoids import (
    hard_sigmoid,
    hard_tanh,
    log_sigmoid,
    sigmoid,
    softsign,
    sparse_sigmoid,
    tanh,
)
from keras_acts.activations.smooth import (
    elish,
    exponential,
    gcu,
    gelu,
    gelu_tanh,
    hard_mish,
    hard_silu,
    lisht,
    mish,
    quick_gelu,
    serf,
    silu,
    smish,
    snake,
    softplus,
    sparse_plus,
    squareplus,
)
from keras_acts.activations.softmax import log_softmax, softmax, softmin, sparsemax
from keras_acts.registry import deserialize, get, serialize

__all__ = sorted(name for name in dir() if not name.startswith("_") and name not in {
    "gated", "rectifiers", "shrinkage", "sigmoids", "smooth"})
