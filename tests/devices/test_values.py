"""Device values: copy orders and results, states and their transitions, serialisation."""

from __future__ import annotations

import pytest

from smartmedia import ValidationError
from smartmedia.devices import (
    COPY_TRANSITIONS,
    DRIVE_TRANSITIONS,
    CopyFailed,
    CopyHandle,
    CopyOrder,
    CopyResult,
    CopyState,
    DriveState,
    DriveTiming,
    RobotTiming,
    VirtualCartridge,
)
from smartmedia.devices.testing import DRIVE_RULES, LIBRARY_RULES, VLS_RULES
from smartmedia.format import CopyIdentity
from smartmedia.model import Barcode, DriveSerial, MediaType, MediumId
from smartmedia.serialization import from_json, to_json
from smartmedia.sim import DriveFailure, Faults, MediumFault, PowerLoss, RobotFault, StreamDeath

IDENTITY = CopyIdentity(
    medium_id=MediumId("0a000001:00000001:0001:0001"), label="Copy", barcode=Barcode("TGT001L9")
)
ORDER = CopyOrder(
    source_library="VTL",
    source=Barcode("SRC001"),
    target_library="TAPES",
    target=Barcode("TGT001L9"),
    identity=IDENTITY,
)


def test_finished_states_are_final_and_every_state_is_reachable():
    for state in CopyState:
        assert (COPY_TRANSITIONS[state] == frozenset()) == state.is_finished
    reachable = {CopyState.QUEUED} | set().union(*COPY_TRANSITIONS.values())
    assert reachable == set(CopyState)
    assert DRIVE_TRANSITIONS[DriveState.FAILED] == frozenset()
    assert all(
        DriveState.FAILED in targets
        for s, targets in DRIVE_TRANSITIONS.items()
        if s is not DriveState.FAILED
    )


def test_results_say_only_what_is_true():
    handle = CopyHandle("copy-1")
    done = CopyResult(handle=handle, order=ORDER, state=CopyState.COMPLETED, digest=7)
    assert done.check() is done
    with pytest.raises(ValidationError, match="digest"):
        CopyResult(handle=handle, order=ORDER, state=CopyState.FAILED, digest=7, error="x")
    with pytest.raises(ValidationError, match="error"):
        CopyResult(handle=handle, order=ORDER, state=CopyState.FAILED)
    with pytest.raises(ValidationError, match="error"):
        CopyResult(handle=handle, order=ORDER, state=CopyState.COMPLETED, error="x")
    with pytest.raises(ValidationError, match="digest"):
        CopyResult(handle=handle, order=ORDER, state=CopyState.COMPLETED, digest=-1)
    failed = CopyResult(handle=handle, order=ORDER, state=CopyState.FAILED, error="robot")
    with pytest.raises(CopyFailed, match="robot"):
        failed.check()
    with pytest.raises(CopyFailed, match="not finished"):
        CopyResult(handle=handle, order=ORDER, state=CopyState.RUNNING).check()


def test_orders_are_validated_with_paths():
    with pytest.raises(ValidationError, match="source_library"):
        CopyOrder(
            source_library="",
            source=Barcode("SRC001"),
            target_library="TAPES",
            target=Barcode("TGT001L9"),
            identity=IDENTITY,
        )
    with pytest.raises(ValidationError, match="target"):
        CopyOrder(
            source_library="VTL",
            source=Barcode("SRC001"),
            target_library="TAPES",
            target="TGT001L9",  # type: ignore[arg-type]
            identity=IDENTITY,
        )


@pytest.mark.parametrize(
    "value",
    [
        ORDER,
        CopyResult(
            handle=CopyHandle("copy-9"),
            order=ORDER,
            state=CopyState.COMPLETED,
            bytes_copied=123,
            digest=0xDEADBEEF,
            drive=DriveSerial("SN1"),
            started=1.5,
            finished=99.25,
        ),
        VirtualCartridge(library="VTL", barcode=Barcode("V00001"), capacity=10, bytes_used=3),
        DriveTiming.for_generation(MediaType.LTO8),
        RobotTiming(model="midrange", move_seconds=9.5),
        Faults(
            media=(MediumFault(barcode=Barcode("ABC123L9"), block=4),),
            drives=(DriveFailure(serial=DriveSerial("SN2"), after_bytes=10),),
            robots=(RobotFault(library="MSL", move=3),),
            streams=(StreamDeath(source=Barcode("SRC001"), after_bytes=5),),
            power=(PowerLoss(at_event=120),),
        ),
    ],
    ids=lambda v: type(v).__name__,
)
def test_public_values_round_trip_through_json(value):
    assert from_json(to_json(value), type(value)) == value


def test_bad_fault_declarations_name_the_field():
    with pytest.raises(ValidationError, match="at_time"):
        DriveFailure(serial=DriveSerial("SN1"))
    with pytest.raises(ValidationError, match="at_time"):
        DriveFailure(serial=DriveSerial("SN1"), at_time=1.0, after_bytes=1)
    with pytest.raises(ValidationError, match="move"):
        RobotFault(library="MSL", move=0)
    with pytest.raises(ValidationError, match=r"media\[0\]"):
        Faults(media=("not a fault",))  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="block"):
        MediumFault(barcode=Barcode("ABC123L9"), block=-1)


def test_rule_names_are_unique_and_prefixed():
    for prefix, rules in (
        ("drive.", DRIVE_RULES),
        ("library.", LIBRARY_RULES),
        ("vls.", VLS_RULES),
    ):
        names = [r.name for r in rules]
        assert len(set(names)) == len(names)
        assert all(n.startswith(prefix) for n in names)
        assert all(r.description for r in rules)
