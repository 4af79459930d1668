"""Shared machinery of the identities that live as text (IDs, barcodes, serials).

Every such identity is a frozen attrs class with one ``value`` field, a ``parse``
classmethod that is the only way text becomes a value, and a ``__str__`` that gives the
text back exactly. The serialisation layer relies on this one shape: it writes any
:class:`TextValue` as its text and reads it back through ``parse``.
"""

from __future__ import annotations

from typing import ClassVar

from typing_extensions import Self

from smartmedia.errors import ValidationError


class TextValue:
    """Mixin of identities that are written as text.

    Subclasses are attrs classes whose constructor validates; ``parse`` only adds the
    check that the input is a ``str`` at all.
    """

    __slots__ = ()
    #: the exception subclass raised for malformed text
    error: ClassVar[type[ValidationError]] = ValidationError
    #: how the identity is named in error messages
    kind: ClassVar[str] = "value"

    @classmethod
    def parse(cls, text: object) -> Self:
        """The identity written as ``text``; raises ``cls.error`` if it is not one."""
        if not isinstance(text, str):
            raise cls.error(f"a {cls.kind} must be text, not {type(text).__name__}")
        return cls(text)  # type: ignore[call-arg]


def is_printable(text: str) -> bool:
    """True if ``text`` has no control characters (C0, DEL, C1) and no line breaks."""
    return text.isprintable()
