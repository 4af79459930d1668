"""The documentation keeps to the code: its interactive sessions run as written, every
example script is listed for readers, and every script a page names exists.

(CI runs every example and builds the documentation with warnings as errors; these
tests catch what neither does.)
"""

import doctest
import importlib
import inspect
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.glob("*.md"))


def test_the_quickstart_session_runs_as_written():
    result = doctest.testfile(
        str(DOCS / "quickstart.md"), module_relative=False, optionflags=doctest.ELLIPSIS
    )
    assert result.attempted > 0
    assert result.failed == 0


def test_every_example_is_listed_in_the_quickstart():
    listed = set(re.findall(r"`examples/(\w+\.py)`", (DOCS / "quickstart.md").read_text()))
    assert listed == {path.name for path in (ROOT / "examples").glob("*.py")}


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_scripts_named_by_a_page_exist(page):
    named = set(re.findall(r"\b((?:examples|bench)/\w+\.py)\b", page.read_text()))
    missing = sorted(name for name in named if not (ROOT / name).is_file())
    assert not missing, f"{page.name} names {missing}"


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_included_sections_of_examples_exist(page):
    """A literalinclude's start and end markers must still be in the example."""
    text = page.read_text()
    for match in re.finditer(r"```\{literalinclude\} (\S+)\n((?::[\w-]+:.*\n)*)", text):
        source = (DOCS / match.group(1)).resolve().read_text()
        for option, value in re.findall(r":([\w-]+): (.*)", match.group(2)):
            if option in {"start-after", "start-at", "end-before", "end-at"}:
                marker = value.strip().strip('"')
                assert marker in source, f"{page.name}: {marker!r} not in {match.group(1)}"


API_PAGES = {
    "smartmedia.model": "model",
    "smartmedia.errors": "errors",
    "smartmedia.serialization": "serialization",
    "smartmedia.format": "format",
    "smartmedia.devices": "devices",
    "smartmedia.devices.testing": "devices-testing",
    "smartmedia.sim": "sim",
    "smartmedia.catalog": "catalog",
    "smartmedia.planning": "planning",
    "smartmedia.copying": "copying",
}


@pytest.mark.parametrize("package", sorted(API_PAGES))
def test_the_api_reference_documents_every_public_name(package):
    """automodule documents the classes and functions of ``__all__``; the constants a
    package re-exports need an ``autodata`` line on its page, or they would be missing."""
    module = importlib.import_module(package)
    page = (DOCS / "api" / f"{API_PAGES[package]}.md").read_text()
    assert f".. automodule:: {package}\n" in page
    if not hasattr(module, "__path__"):
        return  # a plain module: its own constants are documented by automodule
    constants = [
        name
        for name in module.__all__
        if not (inspect.isclass(getattr(module, name)) or inspect.isroutine(getattr(module, name)))
    ]
    missing = [name for name in constants if f".. autodata:: {package}.{name}\n" not in page]
    assert not missing, f"docs/api/{API_PAGES[package]}.md lacks autodata for {missing}"
