"""The conformance suite: checks that a driver keeps the device protocols' rules.

A vendor (or a simulator) passes factories that build fresh devices; each rule builds
what it needs, exercises one piece of the protocol, and raises :class:`NonConformance`
— an :class:`AssertionError` naming the rule — when the device breaks it. From pytest::

    from smartmedia.devices.testing import check_tape_drive

    def test_my_drive_conforms():
        check_tape_drive(make_my_drive, make_short_drive=make_my_short_drive)

or one test per rule, so a report lists every broken rule::

    @pytest.mark.parametrize("rule", DRIVE_RULES, ids=str)
    def test_my_drive(rule):
        rule.run(DriveFactories(make_my_drive))

``docs/devices.md`` lists the rules and what each factory must return.
"""

from smartmedia.devices.testing._drive import DRIVE_RULES, DriveFactories, check_tape_drive
from smartmedia.devices.testing._library import LIBRARY_RULES, check_tape_library
from smartmedia.devices.testing._rules import NonConformance, Rule
from smartmedia.devices.testing._vls import VLS_RULES, check_vls

__all__ = [
    "DRIVE_RULES",
    "LIBRARY_RULES",
    "VLS_RULES",
    "DriveFactories",
    "NonConformance",
    "Rule",
    "check_tape_drive",
    "check_tape_library",
    "check_vls",
]
