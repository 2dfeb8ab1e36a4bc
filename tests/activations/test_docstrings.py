"""Every function's docstring: formula, arguments, return, reference, a checked example."""

import inspect

import pytest

import keras_acts
from keras_acts import registry


@pytest.mark.parametrize("name", keras_acts.list_activations())
def test_docstring_has_every_part(name):
    spec = registry.spec(name)
    doc = inspect.getdoc(spec.fn)
    summary = doc.split("Args:")[0]
    assert "``" in summary and "x" in summary, f"{name}: the formula belongs before Args"
    assert "Args:" in doc and "Returns:" in doc, name
    for parameter in list(inspect.signature(spec.fn).parameters)[1:]:
        assert f"{parameter}:" in doc or f"{parameter}," in doc, (name, parameter)
    assert "Reference" in doc and spec.reference, name
    assert ">>> " in doc, f"{name} has no example (doctests run in CI)"
