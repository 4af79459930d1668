"""The examples of docs/devices.md run as written."""

from __future__ import annotations

import pathlib
import re

import pytest

DOC = pathlib.Path(__file__).parents[2] / "docs" / "devices.md"
BLOCKS = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_doc_example_runs(index):
    namespace: dict[str, object] = {}
    exec(compile(BLOCKS[index], f"devices.md example {index + 1}", "exec"), namespace)
    for name, value in namespace.items():
        if name.startswith("test_") and callable(value):
            if name == "test_my_drive_rule":
                for rule in namespace["DRIVE_RULES"]:  # type: ignore[attr-defined]
                    value(rule)
            else:
                value()


def test_the_doc_has_the_vendor_example():
    assert any("check_tape_drive(" in block for block in BLOCKS)
