"""Test helpers that ship with the library.

:mod:`smartmedia.testing.strategies` holds hypothesis strategies for every model value
(it needs the ``test`` extra). Device conformance checks live in
:mod:`smartmedia.devices.testing`.
"""

__all__: list[str] = []
