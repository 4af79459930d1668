"""Sphinx configuration of the smartmedia documentation.

Build (warnings are errors, as in CI):

    sphinx-build -W --keep-going -b html docs docs/_build/html
"""

from __future__ import annotations

import builtins
import inspect
import sys
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.errors import PycodeError
from sphinx.pycode import ModuleAnalyzer

# The docs document the package in this checkout, installed or not.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from smartmedia import __version__ as _version

project = "smartmedia"
author = "smartmedia developers"
copyright = "smartmedia developers"
release = _version
version = ".".join(_version.split(".")[:2])

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
]

source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]

# MyST: anchors for "## headings" so pages can link to sections (page.md#section).
myst_heading_anchors = 3
myst_enable_extensions = ["colon_fence", "deflist"]

# autodoc: type hints go into the description, members in source order; the API pages
# list each package's __all__ explicitly, so nothing private leaks in.
autodoc_typehints = "description"
autodoc_member_order = "bysource"
autodoc_default_options = {
    "members": True,
    "show-inheritance": True,
    "undoc-members": True,
}

html_theme = "furo"
html_title = f"smartmedia {release}"


# Builtin type names in type descriptions (``bytes``, ``object``) must never be resolved by
# Sphinx's fuzzy search, which would link them to any documented attribute of that name
# (``CopyReport.bytes``, ``BackupItem.object``) and warn that the target is ambiguous.
# Looked up exactly, they find nothing and render as plain builtin names.
_BUILTIN_TYPES = frozenset(
    name for name, value in vars(builtins).items() if isinstance(value, type)
)


def _builtin_types_exactly(app: Sphinx, doctree: nodes.document) -> None:
    for xref in doctree.findall(addnodes.pending_xref):
        builtin = xref.get("refdomain") == "py" and xref.get("reftarget") in _BUILTIN_TYPES
        if builtin and xref.hasattr("refspecific"):
            del xref["refspecific"]


# Constants re-exported by a package (``FILEMARK``, ``DRIVE_RULES``...) are documented
# with ``autodata`` on the API pages. Their ``#:`` comment lives in the private module
# that defines them, and without it autodoc would show the docstring of the value's type
# (``dict``'s, ``int``'s). Take the comment from the defining module, or show nothing.
def _comment_of(package: str, name: str) -> list[str] | None:
    for module in sorted(sys.modules):
        if module.startswith(package + "._"):
            try:
                comments = ModuleAnalyzer.for_module(module).find_attr_docs()
            except PycodeError:
                continue
            if ("", name) in comments:
                return list(comments["", name])
    return None


def _data_docstring(  # noqa: PLR0917 (the signature of the Sphinx event)
    app: Sphinx, what: str, name: str, obj: object, options: object, lines: list[str]
) -> None:
    if what != "data" or inspect.isclass(obj):
        return
    if "\n".join(lines).strip() != (inspect.getdoc(type(obj)) or "").strip():
        return  # a docstring of its own
    package, _, attribute = name.rpartition(".")
    lines[:] = _comment_of(package, attribute) or []


def setup(app: Sphinx) -> None:
    app.connect("doctree-read", _builtin_types_exactly)
    app.connect("autodoc-process-docstring", _data_docstring)
