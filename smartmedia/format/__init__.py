"""The on-tape format, sans I/O (normative spec: ``docs/format.md``).

- values of the format's records (:class:`MediumHeader`, :class:`BlockHeader`,
  :class:`SessionStart`, :class:`ObjectStart`, :class:`SessionEnd`,
  :class:`CatalogSegment`, :class:`EndOfDataRecord`) and pure ``encode_*``/``decode_*``
  functions for each;
- the block I/O protocols (:class:`BlockSink`, :class:`BlockSource`,
  :class:`LocatableBlockSource`) — the only I/O surface the format needs;
- :class:`MediumWriter` and :class:`MediumReader`, streaming over those protocols;
- :func:`rewrite_header` and :class:`PayloadDigest` for smart copies; :func:`identify`
  for foreign media;
- :class:`MemoryTape` and :class:`TapeImage`, media in memory and in a file.
"""

from smartmedia.format._awstape import export_awstape, import_awstape
from smartmedia.format._blockio import (
    END_OF_DATA,
    FILEMARK,
    Block,
    BlockSink,
    BlockSource,
    EndOfData,
    Filemark,
    LocatableBlockSource,
    ReadResult,
    view_of,
)
from smartmedia.format._blocks import (
    decode_block,
    decode_block_header,
    encode_block_header,
    encode_data_block,
)
from smartmedia.format._codec import (
    Decoded,
    decode_catalog_segment,
    decode_end_of_data,
    decode_medium_header,
    decode_object_start,
    decode_record,
    decode_session_end,
    decode_session_start,
    encode_catalog_segment,
    encode_end_of_data,
    encode_medium_header,
    encode_object_start,
    encode_session_end,
    encode_session_start,
)
from smartmedia.format._copy import CopyIdentity, PayloadDigest, rewrite_header
from smartmedia.format._guard import Overwrite, OverwriteVerdict, check_overwrite
from smartmedia.format._identify import Identified, MediumKind, identify
from smartmedia.format._image import IMAGE_MAGIC, TapeImage
from smartmedia.format._layout import (
    BLOCK_HEADER_SIZE,
    DEFAULT_BLOCK_SIZE,
    DEFAULT_SEGMENT_SIZE,
    MAX_BLOCK_SIZE,
    MIN_BLOCK_SIZE,
    Flag,
    RecordType,
)
from smartmedia.format._memory import DEFAULT_EARLY_WARNING, MemoryTape
from smartmedia.format._reader import FilemarkAt, MediumReader, RecordAt, VerifyReport
from smartmedia.format._records import (
    NO_MEDIUM,
    BlockHeader,
    CatalogRecord,
    CatalogSegment,
    EndOfDataRecord,
    Extent,
    MediumHeader,
    ObjectStart,
    SessionEnd,
    SessionStart,
)
from smartmedia.format._scan import DamagedBlock, MediumContents, ObjectOnMedium, SessionOnMedium
from smartmedia.format._writer import MediumWriter, NextMedium, ObjectPlacement, Piece, WriteSummary

__all__ = [
    "BLOCK_HEADER_SIZE",
    "DEFAULT_BLOCK_SIZE",
    "DEFAULT_EARLY_WARNING",
    "DEFAULT_SEGMENT_SIZE",
    "END_OF_DATA",
    "FILEMARK",
    "IMAGE_MAGIC",
    "MAX_BLOCK_SIZE",
    "MIN_BLOCK_SIZE",
    "NO_MEDIUM",
    "Block",
    "BlockHeader",
    "BlockSink",
    "BlockSource",
    "CatalogRecord",
    "CatalogSegment",
    "CopyIdentity",
    "DamagedBlock",
    "Decoded",
    "EndOfData",
    "EndOfDataRecord",
    "Extent",
    "Filemark",
    "FilemarkAt",
    "Flag",
    "Identified",
    "LocatableBlockSource",
    "MediumContents",
    "MediumHeader",
    "MediumKind",
    "MediumReader",
    "MediumWriter",
    "MemoryTape",
    "NextMedium",
    "ObjectOnMedium",
    "ObjectPlacement",
    "ObjectStart",
    "Overwrite",
    "OverwriteVerdict",
    "PayloadDigest",
    "Piece",
    "ReadResult",
    "RecordAt",
    "RecordType",
    "SessionEnd",
    "SessionOnMedium",
    "SessionStart",
    "TapeImage",
    "VerifyReport",
    "WriteSummary",
    "check_overwrite",
    "decode_block",
    "decode_block_header",
    "decode_catalog_segment",
    "decode_end_of_data",
    "decode_medium_header",
    "decode_object_start",
    "decode_record",
    "decode_session_end",
    "decode_session_start",
    "encode_block_header",
    "encode_catalog_segment",
    "encode_data_block",
    "encode_end_of_data",
    "encode_medium_header",
    "encode_object_start",
    "encode_session_end",
    "encode_session_start",
    "export_awstape",
    "identify",
    "import_awstape",
    "rewrite_header",
    "view_of",
]
