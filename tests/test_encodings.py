"""SPEC "Reading bytes: one file, one reading": a legacy export is read in the one encoding
its words support, or refused with both readings and the input.encoding line to add; never
read wrong, never with a replacement character; input.encoding overrides the decision."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from backfill.cli.main import cli
from backfill.config import InputConfig, config_from_dict
from backfill.errors import ConfigError, ExitStatus, InputError
from backfill.read.encoding_choice import EncodingUnclear, decide_encoding
from backfill.read.table import read_inputs, read_table
from backfill.runner.run import retry, run
from backfill.sandbox import SandboxSettings, ThreadedSandbox
from tests.runner_helpers import CREDENTIALS, applied, sandbox_config, yes

HEADER = "number_customergauge;status;happened_at;note\n"


def export(path: Path, rows: list[str], encoding: str, header: str = HEADER) -> Path:
    path.write_bytes((header + "\n".join(rows) + "\n").encode(encoding))
    return path


def notes(path: Path, **settings: object) -> list[str]:
    return read_table(path, **settings)["note"].tolist()  # type: ignore[arg-type]


# --- the two cases a detector alone gets wrong -------------------------------------------------

FRENCH_SHORT = ["1;Ouvert;2024-02-01 10:00;Problème", "1;Fermé;2024-02-02 10:00;Résolu"]
POLISH_SHORT = ["1;Otwarte;2024-02-01 10:00;Zamknięte", "1;Zamknięte;2024-02-02;Rozwiązane"]


def test_a_short_french_cp1252_file_is_refused_with_both_readings(tmp_path: Path) -> None:
    # charset-normalizer reads it as cp1250 ('Problčme'); 'Problème' is one word of one
    # French file: too little to choose, so both readings are shown
    path = export(tmp_path / "fr.csv", FRENCH_SHORT, "cp1252")
    with pytest.raises(EncodingUnclear) as refused:
        read_table(path)
    assert str(refused.value) == (
        f"{path} is not UTF-8, and its bytes read as different text in cp1250 and in cp1252, "
        "with nothing in the file to say clearly which one it was saved in; the same cells in "
        "both: line 2 'note': cp1250 'Problčme' | cp1252 'Problème'; see which shows the text "
        "as it was written and name that encoding: input: {encoding: cp1250} (or cp1252); or "
        'save it as UTF-8 (in Excel: File > Save As > "CSV UTF-8") and run again'
    )


def test_the_short_french_file_reads_right_once_its_encoding_is_named(tmp_path: Path) -> None:
    path = export(tmp_path / "fr.csv", FRENCH_SHORT, "cp1252")
    assert notes(path, encoding="cp1252") == ["Problème", "Résolu"]


FRENCH = [
    "1;Ouvert;2024-02-01 10:00;Client mécontent du délai, problème signalé à la livraison",
    "1;Fermé;2024-02-02 10:00;Remboursement accordé à la demande du client, très satisfait",
]


def test_french_with_more_words_is_decided_by_its_letters(tmp_path: Path) -> None:
    path = export(tmp_path / "fr.csv", FRENCH, "cp1252")
    decision = decide_encoding(path)
    assert decision.encoding == "cp1252"
    assert decision.evidence().startswith("French: ")
    assert "as cp1250 these would read" in decision.evidence()
    assert notes(path)[0].endswith("problème signalé à la livraison")


def test_a_short_polish_cp1250_file_is_never_read_as_cp1252(tmp_path: Path) -> None:
    # charset-normalizer reads it as cp1252 ('Zamkniête'); here the only other reading is
    # ISO-8859-2's 'Rozwišzane' (Lithuanian letters): too close to call, so refused
    path = export(tmp_path / "pl.csv", POLISH_SHORT, "cp1250")
    with pytest.raises(EncodingUnclear) as refused:
        read_table(path)
    assert (refused.value.first, refused.value.second) == ("cp1250", "iso8859_2")
    assert "cp1250 'Rozwiązane' | iso8859_2 'Rozwišzane'" in str(refused.value)
    assert "input: {encoding: cp1250}" in str(refused.value)
    assert notes(path, encoding="cp1250") == ["Zamknięte", "Rozwiązane"]


def test_a_short_polish_file_with_letters_iso_8859_2_lacks_is_decided(tmp_path: Path) -> None:
    # 'ś' is a C1 control in ISO-8859-2: one Polish reading is left, and cp1252's 'œ'/'¹'
    # make words no language writes
    rows = [*POLISH_SHORT, "1;Zamknięte;2024-02-03;Klient prosi o coś więcej"]
    path = export(tmp_path / "pl.csv", rows, "cp1250")
    assert notes(path) == ["Zamknięte", "Rozwiązane", "Klient prosi o coś więcej"]
    decision = decide_encoding(path)
    assert decision.encoding == "cp1250"
    assert decision.evidence().startswith("Polish: ")


# --- other scripts ---------------------------------------------------------------------------

SCRIPTS = {
    "Russian cp1251": (
        "cp1251",
        ["Клиент недоволен сроками доставки", "Перезвонили, ждём ответа склада",
         "Возврат средств одобрен, клиент доволен"],
    ),
    "Japanese Shift_JIS": (
        "shift_jis",
        ["お客様から配送の遅れについて問い合わせ", "折り返し電話済み、倉庫の回答待ち",
         "返金を承認、お客様にご満足いただけました"],
    ),
    "Chinese GBK": (
        "gbk",
        ["客户投诉配送延迟", "已回电，等待仓库回复", "退款已批准，客户满意"],
    ),
    "Korean cp949": (
        "cp949",
        ["고객이 배송 지연에 대해 불만을 제기함", "다시 전화함, 창고 답변 대기 중",
         "환불 승인됨, 고객 만족"],
    ),
    "Greek cp1253": (
        "cp1253",
        ["Ο πελάτης παραπονιέται για την καθυστέρηση", "Τηλεφωνήσαμε, περιμένουμε απάντηση",
         "Η επιστροφή χρημάτων εγκρίθηκε"],
    ),
    "Turkish cp1254": (
        "cp1254",
        ["Müşteri teslimat gecikmesinden şikayetçi", "Arandı, depo yanıtı bekleniyor",
         "Para iadesi onaylandı, müşteri memnun"],
    ),
    "Czech cp1250": (
        "cp1250",
        ["Zákazník si stěžuje na zpoždění dodávky", "Volali jsme, čekáme na odpověď skladu",
         "Vrácení peněz schváleno, zákazník spokojen"],
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", list(SCRIPTS))
def test_exports_in_other_scripts_read_right(tmp_path: Path, name: str) -> None:
    encoding, texts = SCRIPTS[name]
    rows = [f"7;open;2024-02-0{i + 1} 10:00;{text}" for i, text in enumerate(texts)]
    path = export(tmp_path / "export.csv", rows, encoding)
    frame = read_table(path)
    assert frame["note"].tolist() == texts
    assert frame.attrs["encoding"] == encoding.replace("shift_jis", "cp932")
    assert not any("\ufffd" in text for text in frame["note"])


def test_a_file_no_encoding_reads_as_one_language_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(b"number_customergauge;note\n1;caf\xe9\n2;\x81\x9d\n")
    with pytest.raises(EncodingUnclear):
        read_table(path)


# --- input.encoding --------------------------------------------------------------------------


def test_input_encoding_overrides_the_decision(tmp_path: Path) -> None:
    # the file is decided as cp1252 (French words), but the config says cp1250: its word
    path = export(tmp_path / "fr.csv", FRENCH, "cp1252")
    assert notes(path)[0] == "Client mécontent du délai, problème signalé à la livraison"
    assert notes(path, encoding="cp1250")[0] == (
        "Client mécontent du délai, problčme signalé ŕ la livraison"
    )
    table = read_inputs([path], InputConfig(encoding="cp1250"), required=())
    assert table.encodings == {str(path): "cp1250"} and table.decisions == {}


def test_an_unknown_encoding_is_a_config_error_naming_the_key_and_the_fix() -> None:
    with pytest.raises(ConfigError) as error:
        config_from_dict({"input": {"encoding": "windows-1250x"}})
    assert str(error.value) == (
        "config: 'input.encoding': Value error, unknown encoding 'windows-1250x': name the "
        "encoding the file was saved in as Python knows it (utf-8, cp1250, cp1251, cp1252, "
        "shift_jis, gbk, cp949, ...), or remove input.encoding to let backfill decide from the "
        "file (got 'windows-1250x')"
    )


def test_a_file_the_named_encoding_cannot_read_is_refused_with_the_byte(tmp_path: Path) -> None:
    path = export(tmp_path / "ru.csv", ["1;open;2024-02-01;Закрыт ы"], "cp1251")
    with pytest.raises(InputError) as error:
        read_table(path, encoding="cp1255")  # Hebrew has no byte 0xFB
    assert str(error.value) == (
        f"{path} cannot be read as cp1255, the encoding input.encoding names: byte 0xFB on "
        "line 2 (byte offset 67); set input.encoding to the encoding the file was saved in, "
        "or remove it to let backfill decide from the file"
    )


def test_a_byte_order_mark_that_contradicts_input_encoding_is_refused(tmp_path: Path) -> None:
    path = export(tmp_path / "bom.csv", ["1;open;2024-02-01;Zürich"], "utf-8-sig")
    assert notes(path, encoding="utf-8") == ["Zürich"]  # the mark is not read as a character
    with pytest.raises(InputError, match="starts with a UTF-8 byte-order mark, but input"):
        read_table(path, encoding="cp1252")


# --- what the commands say -------------------------------------------------------------------


def test_validate_names_a_legacy_encoding_in_one_line_and_utf8_in_none(tmp_path: Path) -> None:
    rows = [f"7;open;2024-02-0{i + 1} 10:00;{t}" for i, t in enumerate(SCRIPTS["Czech cp1250"][1])]
    legacy = export(tmp_path / "cz.csv", rows, "cp1250")
    utf8 = export(tmp_path / "cz8.csv", rows, "utf-8")
    out = tmp_path / "out"
    said = CliRunner().invoke(cli, ["validate", str(legacy), "--out", str(out)]).output
    lines = [line for line in said.splitlines() if "encoding:" in line]
    assert lines == [
        "  encoding: read as cp1250, not UTF-8 (decided from the file: cz.csv: Czech: "
        "'stěžuje', 'zpoždění', 'čekáme'; as cp1252 these would read 'stìžuje', 'zpoždìní', "
        "'èekáme')"
    ]
    said = CliRunner().invoke(cli, ["validate", str(utf8), "--out", str(out)]).output
    assert "encoding" not in said


def test_init_writes_the_encoding_with_its_evidence(tmp_path: Path) -> None:
    rows = [f"7;open;2024-02-0{i + 1} 10:00;{t}" for i, t in enumerate(SCRIPTS["Czech cp1250"][1])]
    path = export(tmp_path / "cz.csv", rows, "cp1250")
    target = tmp_path / "backfill.yaml"
    result = CliRunner().invoke(cli, ["init", str(path), "-o", str(target)])
    assert result.exit_code == 0, result.output
    line = next(x for x in target.read_text(encoding="utf-8").splitlines() if "encoding:" in x)
    assert line.split("#")[0].strip() == "encoding: cp1250"
    assert line.split("# ", 1)[1].startswith("Czech: 'stěžuje', 'zpoždění'")


def test_init_refuses_a_thin_file_with_the_option_that_names_its_encoding(tmp_path: Path) -> None:
    path = export(tmp_path / "fr.csv", FRENCH_SHORT, "cp1252")
    result = CliRunner().invoke(cli, ["init", str(path), "-o", str(tmp_path / "b.yaml")])
    assert result.exit_code == 2
    assert f"name that encoding: backfill init {path} --encoding cp1250 (or cp1252)" in (
        result.output
    )
    again = ["init", str(path), "-o", str(tmp_path / "b.yaml"), "--encoding", "cp1252"]
    assert CliRunner().invoke(cli, again).exit_code == 0
    assert "  encoding: cp1252" in (tmp_path / "b.yaml").read_text(encoding="utf-8")


# --- the round trip: every character back through failures.csv and retry --------------------

ROUND_TRIP = {
    "Polish cp1250": ("cp1250", ["Zgłoszenie przyjęte, źle spakowane", "Rozwiązane: zwrot zł"]),
    "Russian cp1251": ("cp1251", ["Клиент недоволен сроками", "Решено: «возврат» одобрен"]),
    "Japanese Shift_JIS": ("shift_jis", ["お客様から配送の遅れについて", "返金を承認、完了"]),
}


@pytest.mark.parametrize("name", list(ROUND_TRIP))
def test_failures_csv_and_retry_keep_every_character(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    encoding, texts = ROUND_TRIP[name]
    for variable, value in CREDENTIALS.items():
        monkeypatch.setenv(variable, value)
    rows = [
        f"501;open;2023-02-01 08:00:00;{texts[0]}",
        f"501;finished;2023-02-02 08:00:00;{texts[1]}",  # unknown status: fails, back in failures
    ]
    path = export(tmp_path / "export.csv", rows, encoding)
    with ThreadedSandbox(SandboxSettings()) as sb:
        sb.seed_responses({"501": "2023-01-01 00:00:00"})
        config = sandbox_config(sb, tmp_path)
        first = run([path], config, confirm=yes, echo=lambda _: None)
        assert first.exit_status == ExitStatus.ROWS_FAILED
        summary = json.loads((first.out_dir / "summary.json").read_text(encoding="utf-8"))
        assert summary["encoding"] == encoding.replace("shift_jis", "cp932")
        failures_path = first.out_dir / "failures.csv"
        failures = pd.read_csv(
            failures_path, dtype=str, keep_default_na=False, encoding="utf-8-sig"
        )
        assert failures["note"].tolist() == [texts[1]]
        sheet = pd.read_excel(
            first.out_dir / "report.xlsx", sheet_name="Failures", dtype=str, engine="openpyxl"
        )
        assert sheet["note"].tolist() == [texts[1]]
        failures["status"] = "closed"  # the user fixes the status and saves
        failures.to_csv(failures_path, index=False, encoding="utf-8-sig")
        second = retry(failures_path, config, confirm=yes, echo=lambda _: None)
        assert second.exit_status == ExitStatus.OK
        # what the sandbox received, decoded from the JSON bodies: the source's own text
        assert applied(sb)["501"] == [("open", texts[0]), ("closed", texts[1])]


def test_an_xls_workbook_keeps_every_script(tmp_path: Path) -> None:
    # an Excel 97-2003 workbook records its code page (1200, UTF-16, in every BIFF8 file;
    # calamine reads the CODEPAGE record for the older BIFF5): no encoding to decide here
    from tests.data.encodings.make_xls import NOTES

    path = Path(__file__).parent / "data" / "encodings" / "scripts.xls"
    table = read_inputs([path], InputConfig(), required=())
    assert table.frame["note"].tolist() == NOTES
    assert table.encodings == {} and table.decisions == {}
