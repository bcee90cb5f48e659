"""Which encoding a text export's bytes are in: input.encoding when the config names one
(checked against a byte-order mark), else the byte-order mark, else UTF-8 when every byte
is valid UTF-8, else the legacy encoding encoding_choice.py decides from the file's words.
Binary files saved as text (a workbook, UTF-16 without its mark) are refused here.
"""

from __future__ import annotations

import codecs
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from backfill.errors import InputError
from backfill.read.encoding_choice import Decision, codec_name, decide_encoding

SAVE_AS_UTF8 = 'save it as UTF-8 (in Excel: File > Save As > "CSV UTF-8") and run again'
_CHECK_BLOCK = 1 << 20


def declared_encoding(path: Path) -> str:
    """The encoding the file's first bytes declare: UTF-8 or UTF-16 by their byte-order mark,
    else UTF-8 (read as such; detect_encoding checks the whole file if that fails).
    InputError for a workbook or binary file saved as text."""
    with open(path, "rb") as handle:
        head = handle.read(4096)
    _check_not_binary(path, head)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return "utf-8"


def given_encoding(path: Path, given: str) -> str:
    """input.encoding, checked against a byte-order mark (which the file's own bytes say)."""
    with open(path, "rb") as handle:
        head = handle.read(4096)
    _check_not_binary(path, head)
    name = codec_name(given)
    marks = {"utf-8": codecs.BOM_UTF8, "utf-16": codecs.BOM_UTF16_LE}
    for family, mark in marks.items():
        if head.startswith(mark) or (family == "utf-16" and head.startswith(codecs.BOM_UTF16_BE)):
            if not name.startswith(family):
                raise InputError(
                    f"{path} starts with a {family.upper()} byte-order mark, but input.encoding "
                    f"is {given}; remove input.encoding (the mark says the encoding)"
                )
            return "utf-8-sig" if family == "utf-8" else "utf-16"
    return given


def not_in_given(path: Path, given: str) -> str:
    """The first byte the encoding input.encoding names cannot decode, in words."""
    error = _first_decode_error(path, given)
    where = ""
    if error is not None:
        offset, byte = error
        where = f": byte 0x{byte:02X} on line {_line_of(path, offset)} (byte offset {offset})"
    return (
        f"{path} cannot be read as {given}, the encoding input.encoding names{where}; set "
        "input.encoding to the encoding the file was saved in, or remove it to let backfill "
        "decide from the file"
    )


def detect_encoding(path: Path) -> str:
    """The encoding of a text export: UTF-8 (with or without BOM), UTF-16 with BOM, else the
    one legacy encoding its words support (encoding_choice.py); InputError when none fits,
    EncodingUnclear when two read it differently and the evidence does not choose."""
    return detect(path)[0]


def detect(path: Path) -> tuple[str, Decision | None]:
    """detect_encoding, with what decided a legacy encoding."""
    with open(path, "rb") as handle:
        head = handle.read(4096)
    _check_not_binary(path, head)
    if head.startswith(codecs.BOM_UTF8):
        error = _first_decode_error(path, "utf-8")  # the BOM is valid UTF-8; offsets stay true
        if error is None:
            return "utf-8-sig", None
        offset, byte = error
        raise InputError(
            f"{path} starts with a UTF-8 byte-order mark but is not valid UTF-8: byte "
            f"0x{byte:02X} on line {_line_of(path, offset)} (byte offset {offset}); {SAVE_AS_UTF8}"
        )
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        error = _first_decode_error(path, "utf-16")
        if error is None:
            return "utf-16", None
        offset, _ = error
        raise InputError(
            f"{path} starts with a UTF-16 byte-order mark (Excel's 'Unicode text') but is cut or "
            f"damaged at byte offset {offset}; export it again, or {SAVE_AS_UTF8}"
        )
    if _first_decode_error(path, "utf-8") is None:
        return "utf-8", None
    decision = decide_encoding(path)
    return decision.encoding, decision


def _check_not_binary(path: Path, head: bytes) -> None:
    """A workbook saved as .csv, or UTF-16 without its BOM, would decode as UTF-8 garbage."""
    if head.startswith(b"PK\x03\x04"):
        raise InputError(
            f"{path} is an Excel workbook (.xlsx), not delimited text; rename it to .xlsx, or "
            "save it from Excel as CSV UTF-8"
        )
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise InputError(
            f"{path} is an Excel 97-2003 workbook (.xls), not delimited text; rename it to .xls, "
            "or save it from Excel as CSV UTF-8"
        )
    nul = head.find(b"\x00")
    if nul >= 0 and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError(
            f"{path} contains NUL bytes (byte offset {nul}): it is not a text "
            f"file, or UTF-16 text without a byte-order mark; {SAVE_AS_UTF8}"
        )


def _first_decode_error(path: Path, encoding: str) -> tuple[int, int] | None:
    """(byte offset, byte value) of the first byte `encoding` cannot decode, or None."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    ascii_compatible = encoding != "utf-16"
    consumed = 0
    with open(path, "rb") as handle:
        while True:
            block = handle.read(_CHECK_BLOCK)
            final = not block
            pending = len(decoder.getstate()[0])
            # ASCII is valid in every ASCII-compatible candidate: skip the decode (fast path).
            if ascii_compatible and not pending and block.isascii():
                consumed += len(block)
                if final:
                    return None
                continue
            try:
                decoder.decode(block, final)
            except UnicodeDecodeError as exc:
                offset = consumed - pending + exc.start
                data = exc.object
                return offset, data[exc.start] if exc.start < len(data) else 0
            consumed += len(block)
            if final:
                return None


def _line_of(path: Path, offset: int) -> int:
    with open(path, "rb") as handle:
        return handle.read(offset).count(b"\n") + 1


def encoding_facts(
    encodings: Mapping[str, str], decisions: Mapping[str, Decision]
) -> dict[str, Any]:
    """What a plan's summary says of the encodings its text files were read in: `encoding`
    (one name, or "file: name; ..." when they differ; None for workbooks only) and, when it
    is not UTF-8, `encoding_evidence` (what decided it: the file's words, or the config)."""
    names = list(dict.fromkeys(encodings.values()))
    if not names:
        return {"encoding": None}
    if len(names) == 1:
        encoding = names[0]
    else:
        encoding = "; ".join(f"{Path(s).name}: {e}" for s, e in encodings.items())
    facts: dict[str, Any] = {"encoding": encoding}
    if any(not is_utf8(name) for name in names):
        why = [f"{Path(s).name}: {d.evidence()}" for s, d in decisions.items()]
        facts["encoding_evidence"] = "; ".join(why) if why else "input.encoding"
    return facts


def is_utf8(encoding: str) -> bool:
    """Whether a codec name is UTF-8 (with or without its byte-order mark)."""
    return codec_name(encoding) in ("utf-8", "utf-8-sig")
