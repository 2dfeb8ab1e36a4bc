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


def _anchor(heading: str) -> str:
    """GitHub's anchor for a Markdown heading: lower case, punctuation but `-` and `_` dropped,
    spaces as hyphens."""
    text = heading.strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def _anchors(path: pathlib.Path) -> set[str]:
    body = re.sub(r"```.*?```", "", path.read_text(), flags=re.S)  # no headings inside code
    return {_anchor(m.group(1)) for m in re.finditer(r"^#+ (.+)$", body, re.M)}


def test_anchor_follows_githubs_rule():
    assert _anchor("Fused kernels: `keras_acts.config`") == "fused-kernels-keras_actsconfig"
    assert _anchor("Lookup: `get`, `serialize`, `deserialize`") == "lookup-get-serialize-deserialize"


def test_links_between_the_documents_resolve():
    """Every relative link of the README and docs/ names a file that exists and, after `#`, a
    heading of it: moving a section must not leave a link pointing nowhere."""
    documents = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "benchmarks" / "README.md"]
    checked = 0
    for document in documents:
        for target in re.findall(r"\]\(([^)\s]+)\)", document.read_text()):
            if re.match(r"[a-z]+:", target):
                continue  # an absolute URL
            file, _, anchor = target.partition("#")
            path = (document.parent / file).resolve() if file else document
            assert path.exists(), f"{document.name} links to {target}: no such file"
            if anchor:
                assert anchor in _anchors(path), f"{document.name} links to {target}: no such heading"
            checked += 1
    assert checked >= 10
