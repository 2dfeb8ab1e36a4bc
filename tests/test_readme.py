"""The README stays true: its table names every activation, its commands are the real ones."""

import pathlib
import re

import keras_acts

ROOT = pathlib.Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_table_lists_every_activation_with_its_aliases():
    from keras_acts import registry

    rows = {m.group(1): m.group(2) for m in re.finditer(r"^\| `(\w+)` \| ([^|]*)\|", README, re.M)}
    for spec in registry.specs():
        if spec.family == "user":
            continue
        assert spec.name in rows, f"README's table lacks {spec.name}"
        for alias in spec.aliases:
            assert f"`{alias}`" in rows[spec.name], f"README's table lacks alias {alias}"
    functions = {name for name in rows if name.islower()}
    assert functions <= set(keras_acts.list_activations())


def test_layers_table_lists_every_learnable_layer():
    from keras_acts import layers

    rows = set(re.findall(r"^\| `(\w+)` \| [^|]*\| [^|]*\|$", README, re.M))
    assert set(layers.LEARNABLE) <= rows


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "test-command" in ci and "README.md" in ci
    block = README.split("<!-- test-command -->", 1)[1]
    command = block.split("```bash\n", 1)[1].split("```", 1)[0].strip()
    assert 'pip install -e ".[dev]"' in command and command.endswith("pytest")
