"""Simulation speed and the directory-store copy path, each against its target.

1. Scale: a VLS copies N LTO-9 cartridges' worth of synthetic data (500 by default,
   about 18 TB each) onto a physical library with 8 LTO-9 drives, 8 copy streams at a
   time, sharing one robot. Prints the virtual time simulated per CPU second (target:
   at least one virtual day per CPU second) and the number of events.

2. Copy path: a 2 GiB image in a directory store is copied by the VLS onto a cartridge
   of another directory store — every source block's CRC32C checked, the payload digest
   computed over the bytes written and compared with the source's — against
   ``shutil.copyfile`` of the same image file, in the same run (target: >= 0.8x its
   speed). Both sides write through the page cache without ``fsync``; each is timed
   best of three, after ``os.sync()`` so earlier writes do not slow the next run.

``--quick`` runs a tiny version of both in a few seconds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import tempfile
import time
from pathlib import Path

from smartmedia.devices import CopyOrder, CopyState, RobotTiming
from smartmedia.format import (
    FILEMARK,
    CopyIdentity,
    MediumHeader,
    PayloadDigest,
    encode_medium_header,
)
from smartmedia.model import Barcode, MediaType, MediumIdGenerator
from smartmedia.sim import (
    CartridgeStore,
    DirectoryStore,
    MemoryStore,
    SimClock,
    SimTapeLibrary,
    SimVLS,
    SyntheticRun,
)

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
BLOCK = 256 * 1024
new_id = MediumIdGenerator("10.0.0.9", clock=lambda: 1_767_225_600, process=1)


def header_block(barcode: str) -> bytes:
    return encode_medium_header(
        MediumHeader(
            medium_id=new_id(),
            label=f"Backup {barcode}",
            media_type=MediaType.VIRTUAL,
            pool="Backup",
            created=T0,
            barcode=Barcode(barcode),
            block_size=BLOCK,
        )
    )


def order(source: str, target: str) -> CopyOrder:
    return CopyOrder(
        source_library="VTL",
        source=Barcode(source),
        target_library="TAPES",
        target=Barcode(target),
        identity=CopyIdentity(medium_id=new_id(), label=f"Copy {target}", barcode=Barcode(target)),
    )


def site(
    clock: SimClock, cartridges: int, vls_store: CartridgeStore, tape_store: CartridgeStore
) -> SimVLS:
    tapes = SimTapeLibrary.build(
        name="TAPES",
        clock=clock,
        store=tape_store,
        generation=MediaType.LTO9,
        drives=8,
        slots=cartridges,
        robot=RobotTiming(model="midrange", move_seconds=10.0, jitter=0.2),
        visible=False,
    )
    vls = SimVLS(clock=clock, store=vls_store, physical=[tapes], streams=8)
    vls.add_virtual_library("VTL", slots=cartridges, drives=4)
    return vls


def scale(cartridges: int) -> None:
    clock = SimClock(seed=1)
    tapes = MemoryStore()
    vls = site(clock, cartridges, MemoryStore(), tapes)
    capacity = MediaType.LTO9.native_capacity
    count = (capacity - (1 << 20)) // BLOCK  # an LTO-9 cartridge's worth, header aside
    for i in range(cartridges):
        source, target = f"SRC{i:05d}", f"T{i:05d}L9"
        vls.add_synthetic_cartridge(
            "VTL",
            source,
            head=[header_block(source), FILEMARK],
            run=SyntheticRun(seed=i, block_size=BLOCK, count=count),
            tail=[FILEMARK],
            capacity=capacity,
        )
        tapes.create(target, MediaType.LTO9)
        vls.physical_library("TAPES").place(target)
    cpu0 = time.process_time()
    handles = [vls.start_copy(order(f"SRC{i:05d}", f"T{i:05d}L9")) for i in range(cartridges)]
    results = vls.wait(handles)
    cpu = time.process_time() - cpu0
    failed = [r for r in results if r.state is not CopyState.COMPLETED]
    if failed:
        raise SystemExit(f"{len(failed)} copies failed: {failed[0].error}")
    virtual = clock.now()
    copied = sum(r.bytes_copied for r in results)
    days = virtual / 86400
    print(f"scale: {cartridges} LTO-9 cartridges, {copied / 1e15:.2f} PB, 8 drives, 8 streams")
    print(f"  virtual time {days:.2f} days ({virtual / 3600:.1f} h), CPU {cpu:.3f} s")
    print(f"  events {clock.events:,}; {days / max(cpu, 1e-9):.1f} virtual days per CPU second")
    verdict = "met" if days / max(cpu, 1e-9) >= 1 else "MISSED"
    print(f"  target >= 1 virtual day per CPU second: {verdict}")


def fill_source(store: CartridgeStore, nbytes: int) -> int:
    """A virtual cartridge SRC00001 holding ``nbytes`` of 256 KiB blocks; its digest."""
    image = store.create("SRC00001", MediaType.VIRTUAL, capacity=nbytes + (1 << 30))
    pool = os.urandom(BLOCK * 64)
    digest = PayloadDigest()
    image.append_objects([header_block("SRC00001"), FILEMARK])
    digest.update_filemarks(1)
    blocks = []
    for i in range(nbytes // BLOCK):
        start = (i * 7919) % (len(pool) - BLOCK)
        block = pool[start : start + BLOCK]
        blocks.append(block)
        digest.update_block(block)
        if len(blocks) == 256:
            image.append_objects(blocks)
            blocks = []
    image.append_objects([*blocks, FILEMARK])
    digest.update_filemarks(1)
    image.flush()
    return digest.value


def copy_path(nbytes: int, repeats: int) -> None:
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_DIR")) as tmp:
        root = Path(tmp)
        (root / "vls").mkdir()
        (root / "tapes").mkdir()
        clock = SimClock()
        vls_store = DirectoryStore(root / "vls", sync=False)
        tape_store = DirectoryStore(root / "tapes", sync=False)
        vls = site(clock, 4, vls_store, tape_store)
        digest = fill_source(vls_store, nbytes)
        vls.virtual_library("VTL").place("SRC00001")
        library = vls.physical_library("TAPES")
        source_file = root / "vls" / "SRC00001.img"
        size = source_file.stat().st_size

        copy_times, baseline_times = [], []
        for _ in range(repeats):
            # a blank target each time, as copyfile gets a new file each time
            tape_store.create("T00001L9", MediaType.LTO9)
            library.place("T00001L9")
            os.sync()
            t0 = time.perf_counter()
            (result,) = vls.wait([vls.start_copy(order("SRC00001", "T00001L9"))])
            elapsed = time.perf_counter() - t0
            if result.state is not CopyState.COMPLETED or result.digest != digest:
                raise SystemExit(f"copy did not verify: {result}")
            copy_times.append(elapsed)
            library.take(Barcode("T00001L9"))
            tape_store.delete("T00001L9")
            os.sync()
            t0 = time.perf_counter()
            shutil.copyfile(source_file, root / "baseline.img")
            baseline_times.append(time.perf_counter() - t0)
            (root / "baseline.img").unlink()
        best, base = min(copy_times), min(baseline_times)
        print(f"copy path: {size / 2**30:.2f} GiB image, best of {repeats}")
        print(f"  verified VLS copy (directory store)  {best:.3f} s  {size / best / 1e9:.2f} GB/s")
        print(f"  shutil.copyfile of the same image    {base:.3f} s  {size / base / 1e9:.2f} GB/s")
        print(f"  ratio {base / best:.2f}x of copyfile's speed (target >= 0.8x)")
        vls_store.close()
        tape_store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tiny run, to check the bench")
    parser.add_argument("--cartridges", type=int, default=None)
    parser.add_argument("--gib", type=float, default=None, help="size of the copied image")
    args = parser.parse_args()
    cartridges = args.cartridges or (24 if args.quick else 500)
    gib = args.gib or (0.0625 if args.quick else 2.0)
    scale(cartridges)
    copy_path(int(gib * 2**30), 3)


if __name__ == "__main__":
    main()
