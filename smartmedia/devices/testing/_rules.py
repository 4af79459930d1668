"""Rules of the conformance suite, and how a broken one is reported."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Generic, TypeVar

import attrs

from smartmedia.errors import SmartMediaError

__all__ = ["NonConformance", "Rule", "run_rules"]

F = TypeVar("F")


class NonConformance(SmartMediaError, AssertionError):
    """A device broke a rule of its protocol; ``rule`` names it.

    An :class:`AssertionError`, so test runners report it as a failed test.
    """

    def __init__(self, rule: str, message: str) -> None:
        self.rule = rule
        self.reason = message
        super().__init__(f"rule {rule!r} broken: {message}")


@attrs.frozen
class Rule(Generic[F]):
    """One rule of a protocol: its ``name``, what it demands, and its check.

    ``check(factory)`` builds fresh devices with the factory and raises
    :class:`NonConformance` (or lets a device error through) when the rule is broken.
    """

    name: str
    description: str
    check: Callable[[F], None] = attrs.field(repr=False)

    def __str__(self) -> str:
        return self.name

    def run(self, factory: F) -> None:
        """Check the rule; any failure is reported as :class:`NonConformance` naming it."""
        try:
            self.check(factory)
        except NonConformance:
            raise
        except AssertionError as error:
            raise NonConformance(self.name, str(error)) from error
        except Exception as error:
            raise NonConformance(
                self.name, f"{type(error).__name__}: {error} ({self.description})"
            ) from error


def run_rules(rules: Sequence[Rule[F]], factory: F, only: Iterable[str] | None = None) -> None:
    """Check every rule (or those named in ``only``); the first broken one raises."""
    wanted = None if only is None else set(only)
    if wanted is not None:
        unknown = wanted - {r.name for r in rules}
        if unknown:
            raise NonConformance(sorted(unknown)[0], "no such rule in this suite")
    for rule in rules:
        if wanted is None or rule.name in wanted:
            rule.run(factory)


def expect(condition: bool, message: str) -> None:
    """Fail the rule being checked with ``message`` unless ``condition`` holds."""
    if not condition:
        raise AssertionError(message)


def expect_raises(kind: type[BaseException], action: Callable[[], object], what: str) -> None:
    """``action()`` (described by ``what``) must raise ``kind``."""
    try:
        action()
    except kind:
        return
    except Exception as error:
        raise AssertionError(
            f"{what}: expected {kind.__name__}, got {type(error).__name__}: {error}"
        ) from error
    raise AssertionError(f"{what}: expected {kind.__name__}, nothing was raised")
