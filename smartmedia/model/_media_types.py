"""Media types (LTO generations and the VLS virtual cartridge) and their compatibility.

A ``MediaType`` names both a kind of cartridge and the generation of a drive: "an LTO-8
drive" is a drive whose type is ``MediaType.LTO8``. The read/write rules follow the LTO
compatibility table: a drive writes its own and the previous generation and reads one
further back (LTO-8 and later read only what they write; an LTO-M8 cartridge — an LTO-7
cartridge formatted by an LTO-8 drive — works only in LTO-8 drives; LTO-10 reads only
LTO-10).

Capacities and rates are native (uncompressed), in bytes and bytes per second, decimal
units as the vendors state them.
"""

from __future__ import annotations

import enum
from typing import NamedTuple

__all__ = ["MAX_VIRTUAL_CAPACITY", "MediaType"]

_TB = 10**12
_MB = 10**6

#: the largest virtual cartridge, in bytes (1 PiB)
MAX_VIRTUAL_CAPACITY = 1 << 50


class _Spec(NamedTuple):
    capacity: int
    rate: int
    data_code: str | None
    worm_code: str | None
    generation: int | None
    reads: tuple[str, ...]
    writes: tuple[str, ...]


class MediaType(enum.Enum):
    """A cartridge type, or the generation of a drive.

    ``VIRTUAL`` is a VLS virtual cartridge: it lives on disk, has the capacity its
    virtual library gives it (the figure here is only the default) and is read and
    written by virtual drives alone.
    """

    LTO5 = "LTO-5"
    LTO6 = "LTO-6"
    LTO7 = "LTO-7"
    LTO_M8 = "LTO-M8"
    LTO8 = "LTO-8"
    LTO9 = "LTO-9"
    LTO10 = "LTO-10"
    VIRTUAL = "VIRTUAL"

    @property
    def _spec(self) -> _Spec:
        return _SPECS[self.value]

    @property
    def native_capacity(self) -> int:
        """Native capacity of a cartridge of this type, in bytes."""
        return self._spec.capacity

    @property
    def max_capacity(self) -> int:
        """The largest cartridge of this type, in bytes, that the library creates.

        The native capacity for LTO types. A VLS sizes virtual cartridges freely; they
        are bounded by :data:`MAX_VIRTUAL_CAPACITY` (1 PiB), which keeps every byte
        count of the format and the catalog far inside 64 bits.
        """
        return MAX_VIRTUAL_CAPACITY if self.is_virtual else self._spec.capacity

    @property
    def native_rate(self) -> int:
        """Native streaming rate of a drive of this generation, in bytes per second."""
        return self._spec.rate

    @property
    def min_streaming_rate(self) -> int:
        """The lowest rate a drive of this generation streams at without backhitching.

        Roughly a third of the native rate on recent generations; fed more slowly, the
        drive stops, backs up and restarts ("shoe-shining").
        """
        return self._spec.rate // 3

    @property
    def generation(self) -> int | None:
        """The LTO generation number (8 for LTO-M8), ``None`` for virtual cartridges."""
        return self._spec.generation

    @property
    def data_code(self) -> str | None:
        """The barcode media code of a data cartridge (``L9``), if the type has one."""
        return self._spec.data_code

    @property
    def worm_code(self) -> str | None:
        """The barcode media code of a WORM cartridge (``LZ``), if the type has one."""
        return self._spec.worm_code

    @property
    def is_virtual(self) -> bool:
        return self is MediaType.VIRTUAL

    def can_write(self, medium: MediaType) -> bool:
        """True if a drive of this generation can write a cartridge of type ``medium``."""
        return medium.value in self._spec.writes

    def can_read(self, medium: MediaType) -> bool:
        """True if a drive of this generation can read a cartridge of type ``medium``."""
        return medium.value in self._spec.reads

    @property
    def writable_media(self) -> frozenset[MediaType]:
        """Every cartridge type a drive of this generation can write."""
        return frozenset(MediaType(v) for v in self._spec.writes)

    @property
    def readable_media(self) -> frozenset[MediaType]:
        """Every cartridge type a drive of this generation can read."""
        return frozenset(MediaType(v) for v in self._spec.reads)

    @classmethod
    def from_barcode_code(cls, code: str) -> MediaType | None:
        """The type a 2-character barcode media code names (``L9``, ``LZ``, ``M8``...)."""
        return _BY_CODE.get(code)

    @staticmethod
    def is_worm_code(code: str) -> bool:
        """True if ``code`` is the barcode media code of a WORM cartridge."""
        return code in _WORM_CODES

    def __str__(self) -> str:
        return self.value


# One row per type. Generations before LTO-5 are not modelled, so LTO-5 and LTO-6 list
# only the modelled types they can handle. LTO-10 has no barcode code here: its media
# identifier is not among the facts this model was built from.
_SPECS: dict[str, _Spec] = {
    "LTO-5": _Spec(1_500 * 10**9, 140 * _MB, "L5", "LV", 5, ("LTO-5",), ("LTO-5",)),
    "LTO-6": _Spec(2_500 * 10**9, 160 * _MB, "L6", "LW", 6, ("LTO-5", "LTO-6"), ("LTO-5", "LTO-6")),
    "LTO-7": _Spec(
        6 * _TB, 300 * _MB, "L7", "LX", 7, ("LTO-5", "LTO-6", "LTO-7"), ("LTO-6", "LTO-7")
    ),
    "LTO-M8": _Spec(9 * _TB, 300 * _MB, "M8", None, 8, (), ()),
    "LTO-8": _Spec(
        12 * _TB,
        360 * _MB,
        "L8",
        "LY",
        8,
        ("LTO-7", "LTO-8", "LTO-M8"),
        ("LTO-7", "LTO-8", "LTO-M8"),
    ),
    "LTO-9": _Spec(18 * _TB, 400 * _MB, "L9", "LZ", 9, ("LTO-8", "LTO-9"), ("LTO-8", "LTO-9")),
    "LTO-10": _Spec(30 * _TB, 400 * _MB, None, None, 10, ("LTO-10",), ("LTO-10",)),
    "VIRTUAL": _Spec(1 * _TB, 500 * _MB, None, None, None, ("VIRTUAL",), ("VIRTUAL",)),
}

_BY_CODE: dict[str, MediaType] = {}
_WORM_CODES: frozenset[str] = frozenset(
    s.worm_code for s in _SPECS.values() if s.worm_code is not None
)
for _value, _s in _SPECS.items():
    for _code in (_s.data_code, _s.worm_code):
        if _code is not None:
            _BY_CODE[_code] = MediaType(_value)
