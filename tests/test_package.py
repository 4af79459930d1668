"""Package-wide rules: public namespaces, the layer order, the error tree."""

import ast
import importlib
import pathlib
import pkgutil
import sys

import pytest

import smartmedia
from smartmedia import errors

ROOT = pathlib.Path(smartmedia.__file__).parent

# package -> smartmedia packages it may import (design.md, "Layers")
BASE = {"smartmedia", "smartmedia.errors", "smartmedia.serialization", "smartmedia._fs"}
ALLOWED = {
    "model": set(),
    "format": {"model"},
    "devices": {"model", "format"},
    "sim": {"model", "format", "devices"},
    "catalog": {"model", "format"},
    "planning": {"model", "catalog", "devices"},
    "copying": {"model", "format", "devices", "sim", "catalog", "planning"},
    "cli": {"model", "format", "devices", "sim", "catalog", "planning", "copying"},
    "testing": {"model", "format", "devices", "sim", "catalog", "planning", "copying"},
}


def imported_modules(path: pathlib.Path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "smartmedia" else None


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_layers_import_only_from_layers_above(package):
    directory = ROOT / package
    if not directory.exists():
        pytest.skip(f"smartmedia.{package} does not exist yet")
    for path in directory.rglob("*.py"):
        for module in imported_modules(path):
            layer = layer_of(module)
            if layer is None or layer == package or module in BASE:
                continue
            assert layer in ALLOWED[package], f"{path.relative_to(ROOT)} imports {module}"


def test_model_imports_only_stdlib_and_attrs():
    allowed = set(sys.stdlib_module_names) | {"smartmedia", "attrs", "typing_extensions"}
    for path in (ROOT / "model").rglob("*.py"):
        for module in imported_modules(path):
            assert module.split(".")[0] in allowed, f"{path.name} imports {module}"


def public_packages():
    yield smartmedia
    for info in pkgutil.walk_packages([str(ROOT)], "smartmedia."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            yield importlib.import_module(info.name)


@pytest.mark.parametrize("module", list(public_packages()), ids=lambda m: m.__name__)
def test_all_is_sorted_and_exists(module):
    names = list(module.__all__)
    # isort style, as ruff's RUF022 keeps it: CONSTANTS, then Classes, then functions
    assert names == sorted(names, key=lambda n: (not n.isupper(), not n[:1].isupper(), n))
    for name in names:
        assert hasattr(module, name), f"{module.__name__}.{name}"


def test_every_error_is_a_smartmedia_error_and_drawn_in_the_tree():
    doc = errors.__doc__ or ""
    for name in errors.__all__:
        obj = getattr(errors, name)
        if isinstance(obj, type) and issubclass(obj, Exception):
            assert issubclass(obj, smartmedia.SmartMediaError)
            assert name in doc, f"{name} missing from the tree in errors.py"


def test_validation_error_carries_problems():
    e = errors.ValidationError("bad", path="media[3].barcode")
    assert str(e) == "media[3].barcode: bad"
    assert e.under("plan").path == "plan.media[3].barcode"
    assert e.under("plan").__class__ is errors.ValidationError
    many = errors.ValidationError.from_problems(
        [errors.Problem("a", "x"), errors.Problem("[1]", "y")]
    )
    assert str(many) == "a: x; [1]: y"
    assert many.under("root").problems[1].path == "root[1]"
    with pytest.raises(ValueError, match="at least one"):
        errors.ValidationError.from_problems([])


def test_format_error_names_where():
    e = errors.ChecksumMismatch("header CRC32C mismatch", block=7, field="header_crc", offset=60)
    assert str(e) == "header CRC32C mismatch (block 7, field header_crc, offset 60)"
    assert (e.block, e.field, e.offset) == (7, "header_crc", 60)


def test_py_typed_is_shipped():
    assert (ROOT / "py.typed").exists()
