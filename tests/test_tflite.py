"""TensorFlow Lite: which of keras_acts's functions convert, checked so the README stays true.

Functions that compute in float64 outside XLA for their accuracy (TensorFlow Lite's built-in
kernels take no float64), or use TensorFlow ops it lacks (``ClipByValue``, ``Erfc``,
``IsInf``), need TensorFlow's own kernels (the Flex delegate) or do not convert; every other
function converts with built-in ops alone and gives the model's outputs.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_acts
from keras_acts import registry

# tf.lite.Interpreter says it moves to the ai_edge_litert package, which is not a dependency
pytestmark = pytest.mark.filterwarnings("ignore:.*tf.lite.Interpreter is deprecated:UserWarning")

NOT_BUILTIN = ("geglu", "gelu", "gelu_tanh", "hard_tanh", "quick_gelu", "serf", "sine_relu",
               "snake", "softsign", "tanh_shrink")
NOT_EVEN_FLEX = ("geglu", "gelu", "snake")  # float64 Erfc and IsInf are not Flex ops either


def _model(names):
    inputs = keras.Input((16,))
    # the functions themselves: as strings, Keras's names ("gelu") would be Keras's functions
    branches = [keras.layers.Dense(16, activation=keras_acts.get(name))(inputs) for name in names]
    outputs = branches[0] if len(branches) == 1 else keras.layers.Concatenate()(branches)
    return keras.Model(inputs, outputs)


def _convert(model, flex=False):
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if flex:
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS,
                                               tf.lite.OpsSet.SELECT_TF_OPS]
    return converter.convert()


def test_every_other_function_converts_with_builtin_ops_and_matches_the_model():
    ours = [s.name for s in registry.specs() if s.family != "user"]  # not other tests' registrations
    assert len(ours) == 46
    model = _model([n for n in ours if n not in NOT_BUILTIN])
    interpreter = tf.lite.Interpreter(model_content=_convert(model))
    x = np.random.default_rng(0).normal(scale=3.0, size=(32, 16)).astype(np.float32)
    feed, fetch = interpreter.get_input_details()[0], interpreter.get_output_details()[0]
    interpreter.resize_tensor_input(feed["index"], x.shape)
    interpreter.allocate_tensors()
    interpreter.set_tensor(feed["index"], x)
    interpreter.invoke()
    np.testing.assert_allclose(interpreter.get_tensor(fetch["index"]), model.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", NOT_BUILTIN)
def test_functions_that_need_more_than_builtin_ops(name):
    with pytest.raises(Exception, match="not supported|neither a custom op nor a flex op"):
        _convert(_model([name]))
    if name in NOT_EVEN_FLEX:
        with pytest.raises(Exception, match="neither a custom op nor a flex op|not supported"):
            _convert(_model([name]), flex=True)


def test_the_others_convert_with_the_flex_delegate():
    assert _convert(_model([n for n in NOT_BUILTIN if n not in NOT_EVEN_FLEX]), flex=True)
