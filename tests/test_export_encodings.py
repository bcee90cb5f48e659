"""Issue 25: one reading of the bytes, or a refusal. Every delimited export of the corpus is
read as the text its product (or Excel in its locale) wrote; the same text saved in another
encoding that can hold it is read as that text or refused; bytes that an encoding named in
`input.encoding` cannot decode are refused. Never a replacement character, never a second,
silent reading.
"""

from __future__ import annotations

import csv
import io
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from backfill.config import config_from_dict
from backfill.errors import InputError
from backfill.read.table import read_inputs

EXPORTS = Path(__file__).resolve().parent / "exports"

# the legacy encodings Office and helpdesks write (SPEC "Reading bytes"), and the ones a
# reader could mistake them for
LEGACY = (
    "cp1250", "cp1251", "cp1252", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257", "cp1258",
    "cp874", "cp932", "shift_jis", "euc_jp", "gbk", "gb18030", "big5", "cp949", "euc_kr",
    "koi8_r", "koi8_u", "iso8859_2", "iso8859_5", "iso8859_7", "iso8859_8", "iso8859_9",
    "iso8859_15", "latin_1", "mac_roman", "cp850", "cp866",
)  # fmt: skip


@cache
def corpus() -> dict[str, tuple[str, str, str]]:
    """Delimited export name -> (the encoding it was written in, its text, its delimiter)."""
    found = {}
    for path in sorted(EXPORTS.glob("*.truth.json")):
        truth = json.loads(path.read_text(encoding="utf-8"))
        export = EXPORTS / truth["export"]
        if export.suffix != ".csv":
            continue
        encoding = truth["expected"]["encoding"]
        text = export.read_bytes().decode(encoding).removeprefix("\ufeff")
        delimiter = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;\t").delimiter
        found[export.name] = (encoding, text, delimiter)
    return found


def cells(text: str, delimiter: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def read(path: Path, encoding: str | None = None) -> list[list[str]]:
    """The file as backfill reads it: its header and every cell, as text."""
    settings: dict[str, Any] = {"input": {"encoding": encoding}} if encoding else {}
    table = read_inputs([path], config_from_dict(settings).input, required=())
    frame = table.frame[table.original_columns]
    body = frame.astype(str).to_numpy().tolist()
    return [list(table.original_columns), *body]


def non_ascii() -> list[str]:
    return [name for name, (_, text, _) in corpus().items() if not text.isascii()]


@pytest.mark.parametrize("name", non_ascii())
def test_each_export_reads_as_its_product_wrote_it(name: str) -> None:
    _, text, delimiter = corpus()[name]
    got = read(EXPORTS / name)
    assert not any("\ufffd" in cell for row in got for cell in row)
    assert got == cells(text, delimiter)


def resaved() -> list[Any]:
    """Each export's text saved in every other legacy encoding that holds all of it."""
    params = []
    for name, (encoding, text, _) in corpus().items():
        if text.isascii():
            continue  # the same text in every encoding above
        for other in LEGACY:
            if other == encoding:
                continue
            try:
                data = text.encode(other)
            except UnicodeEncodeError:
                continue
            if data != text.encode(encoding, "replace"):  # (else: the same bytes, read above)
                params.append(pytest.param(name, other, id=f"{name}-as-{other}"))
    return params


@pytest.mark.parametrize(("name", "other"), resaved())
def test_a_resaved_export_reads_as_its_text_or_is_refused(
    name: str, other: str, tmp_path: Path
) -> None:
    _, text, delimiter = corpus()[name]
    path = tmp_path / name
    path.write_bytes(text.encode(other))
    try:
        got = read(path)
    except InputError as exc:
        assert "encoding" in str(exc), str(exc)  # the refusal says which line decides
        return
    assert got == cells(text, delimiter)


def undecodable() -> list[Any]:
    """(export, encoding) where that encoding cannot decode the export's bytes: UTF-8, the
    Windows code page that has the fewest undefined bytes, and the East Asian double-byte
    ones (a few per export: each is one read)."""
    params = []
    for name, (encoding, _, _) in corpus().items():
        data = (EXPORTS / name).read_bytes()
        for other in ("utf-8", "cp1252", "cp932", "gbk", "cp949", "big5"):
            if other == encoding:
                continue
            try:
                data.decode(other)
            except UnicodeDecodeError:
                params.append(pytest.param(name, other, id=f"{name}-as-{other}"))
    return params


@pytest.mark.parametrize(("name", "other"), undecodable())
def test_an_encoding_that_cannot_read_the_bytes_is_refused(name: str, other: str) -> None:
    with pytest.raises(InputError) as refused:
        read(EXPORTS / name, other)
    message = str(refused.value)
    assert name in message and "encoding" in message, message


# a short file whose letters read as different text in two code pages, with too little in it
# to say which (issue 25: "a short Polish cp1250 file" read as cp1252 by a detector alone)
THIN = {
    "polish-note": ("cp1250", "Dzię kuję"),
    "code-with-letters": ("cp1250", "Ref. Čč-12"),
}


@pytest.mark.parametrize("case", sorted(THIN))
def test_thin_evidence_is_refused_with_both_readings(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from backfill.cli.main import cli

    encoding, note = THIN[case]
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "thin.csv"
    text = (
        f"number_customergauge;status;happened_at;note\r\n10001;closed;2024-03-05 10:00;{note}\r\n"
    )
    data = text.encode(encoding)
    path.write_bytes(data)
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    # the same cell under two readings, the one it was written in among them, and the line
    cell = note.encode(encoding)
    readings = {e: cell.decode(e) for e in LEGACY if _decodes(cell, e)}
    shown = {e for e, reading in readings.items() if reading in result.output}
    assert note in result.output and len({readings[e] for e in shown}) >= 2, result.output
    assert "encoding" in result.output, result.output
    # and named, it is read as written
    assert read(path, encoding)[1][-1] == note


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True
