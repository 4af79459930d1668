"""Progress bars for long steps: backups (bytes read), copies (copy events), restores.

Bars are drawn on stderr only when it is a terminal and the output is for people; they
are no-ops otherwise, so ``--json`` output and logs stay clean. Copy events are also
logged (``smartmedia.cli`` logger, INFO) for ``--verbose``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TransferSpeedColumn,
)

from smartmedia.cli._output import Output, size
from smartmedia.copying import (
    Committed,
    CopyEvent,
    Retried,
    TaskFailed,
    TaskStarted,
    Verified,
)
from smartmedia.format import Block

__all__ = ["Bars", "bars"]

log = logging.getLogger("smartmedia.cli")


class Bars:
    """The bars of one command (a thin layer over :class:`rich.progress.Progress`)."""

    def __init__(self, progress: Progress | None) -> None:
        self._progress = progress

    def add(self, description: str, total: float | None) -> TaskID | None:
        if self._progress is None:
            return None
        return self._progress.add_task(description, total=total)

    def advance(self, task: TaskID | None, amount: float) -> None:
        if self._progress is not None and task is not None:
            self._progress.advance(task, amount)

    def update(self, task: TaskID | None, **fields: object) -> None:
        if self._progress is not None and task is not None:
            self._progress.update(task, **fields)  # type: ignore[arg-type]

    def finish(self, task: TaskID | None) -> None:
        if self._progress is not None and task is not None:
            total = self._progress.tasks[self._index(task)].total
            self._progress.update(task, completed=total or 0)

    def _index(self, task: TaskID) -> int:
        assert self._progress is not None
        return next(i for i, t in enumerate(self._progress.tasks) if t.id == task)

    def counting(
        self, task: TaskID | None, source: Callable[[], Iterable[Block]]
    ) -> Callable[[], Iterator[Block]]:
        """``source`` (a backup item's chunks), advancing ``task`` by each chunk's size."""

        def chunks() -> Iterator[Block]:
            for chunk in source():
                self.advance(task, len(chunk))
                yield chunk

        return chunks

    def copy_sink(self, description: str) -> Callable[[CopyEvent], None]:
        """An event sink for copy runs: one bar whose total grows as tasks start."""
        task = self.add(description, total=0)
        sizes: dict[object, int] = {}

        def on_event(event: CopyEvent) -> None:
            if isinstance(event, TaskStarted):
                log.info(
                    "copy of %s onto %s started (%s, attempt %d)",
                    event.source,
                    ", ".join(map(str, event.targets)),
                    size(event.bytes),
                    event.attempt,
                )
                if event.source not in sizes:
                    sizes[event.source] = event.bytes
                    if self._progress is not None and task is not None:
                        current = self._progress.tasks[self._index(task)].total or 0
                        self._progress.update(task, total=current + event.bytes)
            elif isinstance(event, Verified):
                log.info("copy of %s verified (%s)", event.source, event.digest)
            elif isinstance(event, Committed):
                log.info(
                    "copy of %s recorded as %s", event.source, ", ".join(map(str, event.copies))
                )
                self.advance(task, sizes.get(event.source, 0))
            elif isinstance(event, Retried):
                log.info("copy of %s retried (%s)", event.source, event.reason)
            elif isinstance(event, TaskFailed):
                log.warning("copy of %s failed: %s", event.source, event.reason)

        return on_event


@contextmanager
def bars(out: Output) -> Iterator[Bars]:
    """Progress bars on stderr, drawn only when ``out`` is interactive."""
    if not out.interactive:
        yield Bars(None)
        return
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(binary_units=False),
        TransferSpeedColumn(),
        TimeElapsedColumn(),
        console=out.errors,
        transient=True,
    )
    with progress:
        yield Bars(progress)
