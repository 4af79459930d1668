"""SimTapeDrive against a plain list model of a tape, on memory and directory images."""

from __future__ import annotations

import tempfile

from hypothesis import given, settings
from hypothesis import strategies as st

from smartmedia.errors import BlankCheck
from smartmedia.format import END_OF_DATA, FILEMARK
from smartmedia.model import MediaType
from smartmedia.sim import DirectoryStore, MemoryStore, SimClock, SimTapeDrive

ops = st.lists(
    st.one_of(
        st.tuples(st.just("write"), st.binary(min_size=1, max_size=32)),
        st.tuples(st.just("marks"), st.integers(0, 3)),
        st.tuples(st.just("locate"), st.integers(0, 40)),
        st.tuples(st.just("read"), st.just(0)),
        st.tuples(st.just("space"), st.integers(-3, 3)),
        st.tuples(st.just("rewind"), st.just(0)),
    ),
    max_size=60,
)


def model_space(tape: list[object], position: int, count: int) -> tuple[int, bool]:
    """Where spacing ``count`` filemarks from ``position`` ends, and if it hit BOT/EOD."""
    for _ in range(abs(count)):
        if count > 0:
            marks = [i for i in range(position, len(tape)) if tape[i] is FILEMARK]
            if not marks:
                return len(tape), True
            position = marks[0] + 1
        else:
            marks = [i for i in range(position) if tape[i] is FILEMARK]
            if not marks:
                return 0, True
            position = marks[-1]
    return position, False


def check(drive: SimTapeDrive, program: list[tuple[str, object]]) -> None:
    tape: list[object] = []
    position = 0
    for op, arg in program:
        if op == "write":
            drive.write_block(arg)  # type: ignore[arg-type]
            del tape[position:]
            tape.append(arg)
            position += 1
        elif op == "marks":
            drive.write_filemarks(arg)  # type: ignore[arg-type]
            if arg:
                del tape[position:]
                tape.extend([FILEMARK] * arg)  # type: ignore[operator]
                position += arg  # type: ignore[operator]
        elif op == "locate":
            drive.locate(arg)  # type: ignore[arg-type]
            position = min(arg, len(tape))  # type: ignore[type-var]
        elif op == "read":
            got = drive.read_block()
            if position >= len(tape):
                assert got is END_OF_DATA
            else:
                want = tape[position]
                assert (got if got is FILEMARK else bytes(got)) == want  # type: ignore[arg-type]
                position += 1
        elif op == "space":
            position, hit = model_space(tape, position, arg)  # type: ignore[arg-type]
            try:
                drive.space_filemarks(arg)  # type: ignore[arg-type]
            except BlankCheck:
                assert hit
            else:
                assert not hit
        else:
            drive.rewind()
            position = 0
        assert drive.position == position


@settings(max_examples=60, deadline=None)
@given(ops)
def test_memory_drive_matches_the_model(program):
    drive = SimTapeDrive(serial="MODEL1", generation=MediaType.LTO9, clock=SimClock())
    drive.insert(MemoryStore().create("MODEL1L9", MediaType.LTO9))
    check(drive, program)


@settings(max_examples=30, deadline=None)
@given(ops)
def test_directory_drive_matches_the_model(program):
    with tempfile.TemporaryDirectory() as tmp:
        store = DirectoryStore(tmp, sync=False)
        drive = SimTapeDrive(serial="MODEL2", generation=MediaType.LTO9, clock=SimClock())
        drive.insert(store.create("MODEL2L9", MediaType.LTO9))
        check(drive, program)
        store.close()
