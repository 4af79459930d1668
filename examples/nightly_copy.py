"""Nightly backup, then its post-backup copy onto physical tape — and a restore from the copy.

Run: python examples/nightly_copy.py

On a simulated site (:func:`smartmedia.copying.build_lab`): the backup application
writes tonight's ``nightly`` session onto new virtual cartridges of the VLS; when the
session ends, the :class:`~smartmedia.copying.CopyService` applies the
:class:`~smartmedia.copying.CopyBinding` of the ``nightly`` specification and has the
VLS copy every cartridge the session wrote onto a blank LTO-9 cartridge in the library
behind it. Each copy is verified (digest, and read back) before the catalog records it
as a distinct medium linked to its original. Finally one object is restored from its
physical copy: the tape leaves the hidden library through a mail slot, the operator
carries it to the visible library, and its bytes are read back and compared.
"""

from __future__ import annotations

import io
import random
import sys
from collections import Counter

from smartmedia.copying import (
    BackupWriter,
    CopyBinding,
    CopyEvent,
    CopyService,
    build_lab,
    items_from_bytes,
    prepare_restore,
    restore,
    restore_sources,
)
from smartmedia.planning import CopyPolicy

MiB = 1024 * 1024


def main() -> int:
    lab = build_lab(seed=7)
    site = lab.site
    try:
        # -- the backup application's side: tonight's backup ---------------------------
        rng = random.Random(7)
        tonight = {
            "/srv/mail": rng.randbytes(40 * MiB),
            "/srv/www": rng.randbytes(25 * MiB),
            "/var/lib/pgsql": rng.randbytes(30 * MiB),
        }
        writer = BackupWriter(site, pool="VTL", specification="nightly")
        backup = writer.run(None, items_from_bytes(tonight, host="app1"))
        written = ", ".join(str(m.barcode) for m in backup.media)
        print(
            f"backup {backup.session.id} ({backup.session.status.value}): "
            f"{len(backup.versions)} objects, {backup.bytes / MiB:.0f} MiB on {written}"
        )

        # -- post-backup copy: the binding of the "nightly" specification --------------
        service = CopyService(
            site,
            bindings=[CopyBinding(specification="nightly", policy=CopyPolicy(target_pool="Vault"))],
            read_back=True,
        )
        events: Counter[str] = Counter()

        def on_event(event: CopyEvent) -> None:
            events[type(event).__name__] += 1

        (report,) = service.on_session_completed(backup.session.id, on_event=on_event)
        print(
            f"copy session {report.session}: {len(report.committed)} of {len(report.outcomes)} "
            f"media copied, {report.bytes / MiB:.0f} MiB, "
            f"{(report.finished - report.started).total_seconds() / 60:.1f} min of virtual time"
        )
        print("  events: " + ", ".join(f"{n} {name}" for name, n in sorted(events.items())))
        for outcome in report.outcomes:
            original = site.catalog.medium(outcome.source)
            for copy_id in outcome.copies:
                copy = site.catalog.medium(copy_id)
                print(
                    f"  {original.barcode} [{original.id}] -> {copy.barcode} '{copy.label}' "
                    f"[{copy.id}] in {copy.location}, {outcome.digest}"
                )
        if not report.ok:
            for outcome in report.failed:
                print(f"  FAILED {outcome.source}: {outcome.reason}", file=sys.stderr)
            return 1
        check = site.catalog.check()
        if not check.ok:
            print(f"catalog check failed: {check}", file=sys.stderr)
            return 1

        # -- either copy restores: read one object back from its physical copy ---------
        version = next(v for v in backup.versions if v.object.mount == "/srv/www")
        sources = restore_sources(site, version)
        print(
            f"restore sources of {version.object.host}:{version.object.mount}: "
            + ", ".join(f"{s.medium.label} ({s.rank.value})" for s in sources)
        )
        copies = [s for s in sources if s.is_copy]  # the object spans both cartridges
        for source in copies:
            moves = prepare_restore(site, source)
            print(
                f"  {source.medium.label}: "
                + "; ".join(f"{m.by.value} to {m.destination}" for m in moves)
            )
        wanted = {s.medium.id for s in copies}
        ready = [s for s in restore_sources(site, version) if s.medium.id in wanted]
        sink = io.BytesIO()
        result = restore(site, version, sink, sources=ready)
        same = sink.getvalue() == tonight["/srv/www"]
        labels = ", ".join(site.catalog.medium(m).label for m in result.media)
        print(
            f"  restored {result.bytes / MiB:.0f} MiB from the copies ({labels}): "
            f"{'identical to the data backed up' if same else 'DIFFERENT'}"
        )
        return 0 if same else 1
    finally:
        lab.close()


if __name__ == "__main__":
    sys.exit(main())
