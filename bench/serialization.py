"""Serialisation cost: the converter against plain ``json`` on the same documents.

Prints, for a catalog export of N media, the time of ``to_json`` + ``from_json`` through
the library's converter (with full validation) and of ``json.dumps`` + ``json.loads`` of
the same plain data, and their ratio. The ratio is the price of validation and typed
values. ``--quick`` runs a small size only, to check that the bench works.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from collections.abc import Callable

from smartmedia.model import (
    Barcode,
    Location,
    MediaType,
    Medium,
    MediumIdGenerator,
    MediumState,
    Protection,
)
from smartmedia.serialization import from_json, to_json, unstructure

UTC = dt.timezone.utc


def fleet(n: int) -> list[Medium]:
    new_id = MediumIdGenerator("10.0.0.1", clock=lambda: 1_700_000_000, process=1)
    start = dt.datetime(2026, 1, 1, tzinfo=UTC)
    return [
        Medium(
            id=new_id(),
            label=f"Vault_{i + 1}",
            media_type=MediaType.LTO9,
            pool="Vault",
            capacity=MediaType.LTO9.native_capacity,
            formatted_at=start,
            barcode=Barcode(f"V{i:05d}L9"),
            bytes_used=i * 1000,
            write_count=1,
            first_written=start,
            last_written=start,
            protection=Protection.for_period(start, dt.timedelta(days=365)),
            location=Location.slot("MSL", i % 500 + 1),
            state=MediumState.FULL,
        )
        for i in range(n)
    ]


def best_of(repeats: int, action: Callable[[], object]) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        action()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small size, just check it runs")
    args = parser.parse_args()
    sizes = [200] if args.quick else [1_000, 10_000]
    print(f"{'media':>8} {'converter s':>12} {'plain json s':>13} {'ratio':>7}")
    for n in sizes:
        media = fleet(n)
        plain = unstructure(media)
        converter_time = best_of(3, lambda m=media: from_json(to_json(m), list[Medium]))
        json_time = best_of(3, lambda p=plain: json.loads(json.dumps(p)))
        print(
            f"{n:>8} {converter_time:>12.4f} {json_time:>13.4f} {converter_time / json_time:>7.1f}"
        )


if __name__ == "__main__":
    main()
