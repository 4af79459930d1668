"""The README's example runs as shown."""

import re
from pathlib import Path

README = Path(__file__).parents[1] / "README.md"


def test_the_readme_example_runs():
    text = README.read_text()
    example = re.search(r"## A taste\n\n```python\n(.*?)```", text, re.S)
    assert example is not None
    exec(compile(example.group(1), "README.md", "exec"), {})


def test_the_readme_starts_with_the_two_commands():
    commands = re.findall(r"```sh\n(.*?)\n```", README.read_text())
    assert commands[0].endswith("smartmedia demo")
    assert commands[1].endswith("python -m pytest -q")
