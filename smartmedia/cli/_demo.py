"""``smartmedia demo``: the main path of the library, from nothing, on a simulated site.

Builds a lab (a VLS with a virtual library, a physical library behind it that the
application cannot see, a library it can see, a SQLite catalog — all in a directory),
backs up generated sample files, runs the post-backup smart copy, verifies the copies
by reading every block back, runs a scheduled copy, deletes a virtual tape, restores
from its physical copy through the mail slots, checks the restored bytes and reports.
"""

from __future__ import annotations

import hashlib
import random
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import attrs
import click

from smartmedia.cli._app import EXIT_FAILED, common, output
from smartmedia.cli._demo_report import DemoRun, Step, data, render
from smartmedia.cli._lab import LabConfig, PersistentLab
from smartmedia.cli._output import Output, plural, size
from smartmedia.cli._progress import bars
from smartmedia.cli._restorecmd import restore_version
from smartmedia.cli._tapes import verify_in_library
from smartmedia.copying import (
    BackupResult,
    BackupWriter,
    CopyService,
    Schedule,
    ScheduledCopy,
    Scheduler,
    items_from_directory,
)
from smartmedia.errors import SmartMediaError, ValidationError
from smartmedia.model import Location, MediumId
from smartmedia.planning import CopyPolicy, Selection

__all__ = ["SAMPLE_FILES", "Demo", "register", "write_samples"]

#: Capacity of the demo's virtual cartridges: small, so that each backup spans two.
DEMO_CAPACITY = 6 << 20

#: The sample files: name, size, and whether the content is text (compressible) or random.
SAMPLE_FILES = (
    ("etc/app.conf", 180_000, True),
    ("home/ada/notes.txt", 900_000, True),
    ("home/ada/photo.raw", 2_400_000, False),
    ("srv/db/dump.sql", 1_600_000, True),
    ("srv/db/blobs.bin", 2_100_000, False),
    ("var/log/app.log", 700_000, True),
)

_WORDS = [
    *("tape", "medium", "copy", "vault", "session", "backup", "library", "slot", "drive"),
    *("robot", "verify", "catalog", "restore", "original", "virtual", "physical"),
    *("barcode", "label", "pool", "protection", "span", "block"),
]


def _sample_bytes(rng: random.Random, count: int, text: bool) -> bytes:
    if not text:
        return rng.randbytes(count)
    out = bytearray()
    while len(out) < count:
        line = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(4, 14)))
        out += f"{len(out):08d} {line}\n".encode()
    return bytes(out[:count])


def write_samples(root: Path, seed: int) -> dict[str, str]:
    """Write the sample files under ``root``; their SHA-256 by relative path."""
    rng = random.Random(seed)
    digests = {}
    for name, count, text in SAMPLE_FILES:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        content = _sample_bytes(rng, count, text)
        path.write_bytes(content)
        digests[name] = hashlib.sha256(content).hexdigest()
    return digests


class _Stopped(Exception):
    """A step raised an error of the library: the demo stops there."""


class Demo:
    """The demo's steps on a new lab in ``directory / "lab"``; each step is recorded in
    :attr:`run` with its virtual and wall time, and the lab is saved after it."""

    def __init__(self, directory: Path, out: Output, *, seed: int = 0) -> None:
        self.out = out
        self.run = DemoRun(directory=directory)
        self.plab = PersistentLab.create(directory / "lab", LabConfig(seed=seed))
        self.site = self.plab.lab.site
        self.service = CopyService(self.site, bindings=self.plab.state.bindings, read_back=True)
        self.samples = directory / "sample"
        self.digests: dict[str, str] = {}
        self.backup: BackupResult | None = None
        self.copies: list[MediumId] = []

    @contextmanager
    def step(self, name: str) -> Iterator[Step]:
        step = Step(name=name)
        virtual, wall = self.plab.virtual_seconds, time.perf_counter()
        try:
            yield step
        except SmartMediaError as error:
            step.ok = False
            step.detail = f"{type(error).__name__}: {' '.join(str(error).split())}"
            raise _Stopped from error
        finally:
            step.virtual = self.plab.virtual_seconds - virtual
            step.wall = time.perf_counter() - wall
            self.run.steps.append(step)
            self.plab.save()

    def all(self) -> DemoRun:
        """Every step in order; a step that fails ends the demo (the report says why)."""
        try:
            for step in (
                self.back_up,
                self.post_backup_copy,
                self.verify,
                self.scheduled_copy,
                self.delete_virtual_tape,
                self.restore_from_copy,
            ):
                step()
                if not self.run.steps[-1].ok:
                    break
        except _Stopped:
            pass
        return self.run

    # ----------------------------------------------------------------------- the steps

    def _backup(self, source: Path, specification: str, label: str) -> BackupResult:
        with bars(self.out) as progress:
            items = items_from_directory(source, host="demo-host")
            bar = progress.add(label, sum(n for _, n, _ in SAMPLE_FILES))
            counted = [attrs.evolve(i, source=progress.counting(bar, i.source)) for i in items]
            writer = BackupWriter(self.site, specification=specification, capacity=DEMO_CAPACITY)
            return writer.run(None, counted)

    def back_up(self) -> None:
        """Back up the sample files (specification ``daily``: copied when it ends)."""
        with self.step("backup") as step:
            self.digests = write_samples(self.samples, self.plab.state.config.seed)
            backup = self.backup = self._backup(self.samples, "daily", "backing up sample files")
            step.ok = backup.ok
            step.detail = (
                f"session {backup.session.id}: {len(backup.versions)} files, "
                f"{size(backup.bytes)} onto {', '.join(str(m.barcode) for m in backup.media)}"
            )

    def post_backup_copy(self) -> None:
        """The post-backup smart copy, run by the VLS onto the library behind it."""
        assert self.backup is not None
        with self.step("post-backup copy") as step, bars(self.out) as progress:
            reports = self.service.on_session_completed(
                self.backup.session.id, on_event=progress.copy_sink("smart copy (post-backup)")
            )
            self.run.reports += reports
            step.ok = bool(reports) and all(r.ok for r in reports)
            done = [o for r in reports for o in r.committed]
            self.copies = [c for o in done for c in o.copies]
            step.detail = (
                f"{plural(len(self.copies), 'verified copy')} onto "
                f"{', '.join(str(b) for o in done for b in o.targets)} in the library behind "
                "the VLS"
            )

    def verify(self) -> None:
        """Read every copy back in full and compare its digest with its original's."""
        lab = self.plab.lab
        with self.step("verify copies") as step:
            lines = []
            step.ok = bool(self.copies)
            for medium_id in self.copies:
                copy = lab.catalog.medium(medium_id)
                original = lab.catalog.medium(copy.original) if copy.original else None
                if copy.barcode is None or original is None or original.barcode is None:
                    step.ok = False
                    continue
                of_copy = verify_in_library(lab.msl, copy.barcode)
                of_original = verify_in_library(lab.vtl, original.barcode)
                ok = of_copy.ok and of_original.ok and of_copy.digest == of_original.digest
                step.ok = step.ok and ok
                lines.append(
                    f"{copy.barcode}: {of_copy.blocks} blocks "
                    f"{f'ok, digest crc32c:{of_copy.digest:08x} as its original' if ok else 'BAD'}"
                )
            step.detail = "; ".join(lines)

    def scheduled_copy(self) -> None:
        """A second backup that no binding copies, then a nightly job that copies it."""
        lab = self.plab.lab
        with self.step("scheduled copy") as step:
            write_samples(self.run.directory / "sample-weekly", self.plab.state.config.seed + 1)
            weekly = self._backup(
                self.run.directory / "sample-weekly", "weekly", "backing up (weekly)"
            )
            job = ScheduledCopy(
                name="nightly-vault",
                schedule=Schedule.cron("0 2 * * *"),
                selection=Selection.matching(pools=("VTL",), fewer_copies_than=1),
                policy=CopyPolicy(target_pool="Vault"),
            )
            self.plab.update(schedules=(job,))
            scheduler = Scheduler(self.service, [job], self.plab.scheduler_state())
            scheduler.run_due(self.site.now())  # first sight of the job: nothing is due
            ((_, due),) = scheduler.next_runs(self.site.now())
            lab.clock.sleep(max(0.0, (due - self.site.now()).total_seconds()))
            with bars(self.out) as progress:
                ran = scheduler.run_due(
                    self.site.now(), on_event=progress.copy_sink("smart copy (scheduled)")
                )
            reports = [report for _, report in ran]
            self.run.reports += reports
            step.ok = weekly.ok and bool(reports) and all(r.ok for r in reports)
            step.detail = (
                f"backup {weekly.session.id} ({', '.join(str(m.barcode) for m in weekly.media)},"
                f" not copied after the backup); job nightly-vault (cron 0 2 * * *) ran at "
                f"{due:%H:%M} UTC: {plural(sum(len(r.committed) for r in reports), 'copy')}"
            )

    def delete_virtual_tape(self) -> None:
        """A virtual tape is lost: its physical copy is now the only one."""
        assert self.backup is not None
        with self.step("delete a virtual tape") as step:
            victim = self.backup.media[0]
            assert victim.barcode is not None
            self.plab.lab.vls.delete_cartridge(self.site.virtual_library, victim.barcode)
            self.site.catalog.move_medium(victim.id, Location.unknown())
            self.run.deleted = str(victim.barcode)
            step.detail = (
                f"{victim.barcode} ({victim.label}) deleted from the VLS; the catalog records "
                "it as missing"
            )

    def restore_from_copy(self) -> None:
        """Restore every file of the first backup from the copy, through the mail slots,
        and compare the bytes with the sample files."""
        assert self.backup is not None
        catalog = self.plab.lab.catalog
        with self.step("restore from the copy") as step, bars(self.out) as progress:
            versions = catalog.object_versions(self.backup.session.id)
            bar = progress.add("restoring", sum(v.size for v in versions))
            root = self.samples.resolve()
            read: set[str] = set()
            for version in versions:
                relative = Path(version.object.mount).relative_to(root).as_posix()
                path = self.run.directory / "restored" / relative
                result, moves = restore_version(
                    self.site, version, path, on_block=lambda n: progress.advance(bar, n)
                )
                self.run.moves += moves
                read.update(catalog.medium(m).label for m in result.media)
                same = hashlib.sha256(path.read_bytes()).hexdigest() == self.digests[relative]
                self.run.restored.append((relative, same))
            identical = sum(same for _, same in self.run.restored)
            step.ok = bool(self.run.restored) and identical == len(self.run.restored)
            step.detail = (
                f"{identical} of {len(self.run.restored)} files restored byte for byte, read "
                f"from {', '.join(sorted(read))} after {len(self.run.moves)} moves "
                "(export, operator, import)"
            )


@contextmanager
def _directory(directory: Path | None) -> Iterator[Path]:
    if directory is not None:
        if (directory / "lab").exists():
            raise ValidationError(
                f"{directory / 'lab'} exists; the demo builds a new lab", path="dir"
            )
        directory.mkdir(parents=True, exist_ok=True)
        yield directory
        return
    with tempfile.TemporaryDirectory(prefix="smartmedia-demo-") as temporary:
        yield Path(temporary)


@click.command()
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    help="Build the lab here and keep it (default: a temporary directory, removed after).",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the sample data.")
@common
def demo(*, directory: Path | None, seed: int) -> None:
    """Run the main path on a simulated site, from nothing, and report.

    Backs up sample files to a virtual tape, copies it smartly onto a physical tape,
    verifies the copy, runs a scheduled copy, deletes the virtual tape and restores from
    the physical copy through the mail slots. Exit 1 if a step failed.
    """
    out = output()
    started = time.perf_counter()
    with _directory(directory) as root:
        demo = Demo(root, out, seed=seed)
        try:
            run = demo.all()
            wall = time.perf_counter() - started
            out.result(
                data(run, demo.plab, wall, kept=directory is not None),
                lambda console: render(console, run, demo.plab, wall, kept=directory is not None),
            )
        finally:
            demo.plab.close()
    if not run.ok:
        raise click.exceptions.Exit(EXIT_FAILED)


def register(group: click.Group) -> None:
    group.add_command(demo)
