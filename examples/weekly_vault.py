"""A weekly scheduled vault copy, exported through the mail slots, over three simulated weeks.

Run: python examples/weekly_vault.py

On a simulated site (:func:`smartmedia.copying.build_lab`), the backup application
writes small incremental backups on weekday evenings (pool ``VTL``) and a full backup
on Saturday evenings (pool ``Weekly``, its own virtual pool). A
:class:`~smartmedia.copying.Scheduler` runs one job, ``weekly-vault``: every Sunday at
06:00 Berlin time, copy every medium of pool ``Weekly`` that has no copy yet onto the
physical library behind the VLS, then export the copies to its mail slots and record
them as in the off-site vault (``AfterCopy.VAULT``). After each run the courier empties
the mail slots. The scheduler is called every (virtual) hour, as a timer would, and is
restarted from its state file halfway through: each Sunday's run happens exactly once.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import tempfile
from pathlib import Path

from smartmedia.copying import (
    BackupWriter,
    CopyService,
    Lab,
    Schedule,
    ScheduledCopy,
    Scheduler,
    SchedulerState,
    build_lab,
    items_from_bytes,
)
from smartmedia.model import LocationKind, MediaPool, MediaType
from smartmedia.planning import AfterCopy, CopyPolicy, Selection

TZ = "Europe/Berlin"
MiB = 1024 * 1024
HOUR = dt.timedelta(hours=1)
VAULT = "Offsite vault"

WEEKLY_VAULT = ScheduledCopy(
    name="weekly-vault",
    schedule=Schedule.cron("0 6 * * SUN", tz=TZ),
    selection=Selection.matching(pools=("Weekly",), fewer_copies_than=1),
    policy=CopyPolicy(target_pool="Vault", after_copy=AfterCopy.VAULT, vault=VAULT),
)


class BackupApplication:
    """The backup side: weekday incrementals into ``VTL``, Saturday fulls into ``Weekly``."""

    def __init__(self, lab: Lab) -> None:
        self.lab = lab
        self.rng = random.Random(11)
        site = lab.site
        self.jobs = [
            (
                Schedule.cron("0 22 * * MON-FRI", tz=TZ),
                BackupWriter(site, pool="VTL", specification="daily", barcode_prefix="VT"),
                {"/home": 2 * MiB},
            ),
            (
                Schedule.cron("0 22 * * SAT", tz=TZ),
                BackupWriter(site, pool="Weekly", specification="weekly-full", barcode_prefix="WK"),
                {"/home": 30 * MiB, "/srv/db": 40 * MiB},
            ),
        ]
        start = site.now()
        self.due = [schedule.next_run(start) for schedule, _, _ in self.jobs]

    def run_due(self, now: dt.datetime) -> None:
        for i, (schedule, writer, sizes) in enumerate(self.jobs):
            if self.due[i] <= now:
                data = {name: self.rng.randbytes(size) for name, size in sizes.items()}
                result = writer.run(None, items_from_bytes(data, host="fileserver"))
                if not result.ok:
                    raise SystemExit(f"backup {result.session.id} failed: {result.error}")
                self.due[i] = schedule.next_run(now)


def courier(lab: Lab) -> list[str]:
    """Take every cartridge out of the mail slots of the library behind the VLS."""
    taken = []
    for mail in lab.msl.inventory().mail_slots:
        if mail.cartridge is not None and mail.cartridge.barcode is not None:
            lab.msl.take(mail.cartridge.barcode)
            taken.append(str(mail.cartridge.barcode))
    return taken


def main() -> int:
    lab = build_lab(seed=3)
    site = lab.site
    site.catalog.add_pool(MediaPool(name="Weekly", media_type=MediaType.VIRTUAL))
    service = CopyService(site)
    backups = BackupApplication(lab)
    runs = 0
    with tempfile.TemporaryDirectory() as directory:
        state_file = Path(directory) / "scheduler.json"
        scheduler = Scheduler(service, [WEEKLY_VAULT], SchedulerState.load(state_file))
        end = site.now() + dt.timedelta(weeks=3)
        restarted = False
        while site.now() < end:
            now = site.now()
            next_hour = now.replace(minute=0, second=0, microsecond=0) + HOUR
            lab.clock.sleep((next_hour - now).total_seconds())
            now = site.now()
            backups.run_due(now)
            if not restarted and now >= end - dt.timedelta(weeks=1, days=3):
                # The host reboots: a new scheduler picks up the state file.
                scheduler = Scheduler(service, [WEEKLY_VAULT], SchedulerState.load(state_file))
                restarted = True
            for name, report in scheduler.run_due(site.now()):
                runs += 1
                when = report.started.astimezone(scheduler.jobs[0].schedule.zone)
                copies = [site.catalog.medium(c) for o in report.committed for c in o.copies]
                in_vault = all(
                    c.location.kind is LocationKind.VAULT and c.location.vault == VAULT
                    for c in copies
                )
                print(
                    f"{name} {when:%a %Y-%m-%d %H:%M %Z}: {len(copies)} copies "
                    f"({', '.join(f'{c.label}={c.barcode}' for c in copies)}), "
                    f"{'recorded in ' + VAULT if in_vault else 'NOT all in the vault'}; "
                    f"courier took {', '.join(courier(lab)) or 'nothing'}"
                )
                if not report.ok or not in_vault:
                    return 1
        record = scheduler.state.get(WEEKLY_VAULT.name)
        if record is None or record.started is None or record.status is None:
            return 1
        last = record.started.astimezone(WEEKLY_VAULT.schedule.zone)
        print(f"state file: last run {last:%Y-%m-%d %H:%M %Z}, {record.status.value}")
    weekly = site.catalog.media(pool="Weekly")
    daily = site.catalog.media(pool="VTL")
    uncopied = [m for m in weekly if not site.catalog.copies_of(m.id)]
    copied_daily = [m for m in daily if site.catalog.copies_of(m.id)]
    ok = runs == 3 and not uncopied and not copied_daily and site.catalog.check().ok
    print(
        f"{runs} vault runs in 3 weeks; {len(weekly)} weekly media all copied, "
        f"{len(daily)} daily media left alone; catalog check {'ok' if ok else 'FAILED'}"
    )
    lab.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
