"""Issue 25: the evidence that tells one reading of a legacy file's bytes from another
(backfill/read/scripts.py, reading_evidence.py): words no language writes; common words
counted only for a reading whose letters are in their language; readings with the same
letters that differ in a symbol; language models that decide nothing on too little text or
on text they find in no language. Each case here was read wrong, silently, before."""

from __future__ import annotations

from pathlib import Path

import pytest

from backfill.read.encoding_choice import EncodingUnclear, decide_encoding
from backfill.read.scripts import is_odd
from backfill.read.table import read_table

HEADER = "number_customergauge;status;happened_at;note\n"

# words a wrong reading makes, and words people write that look a little like them
ODD = {
    "GB18030 Hebrew as KOI8-R": "│0Ы9│0Ы5│0Ш7",
    "GB18030 Hebrew as cp1251": "Ѓ0щ9Ѓ0щ5Ѓ0ы7",
    "EUC-JP French as cp932": "Probl将ｲme",
    "EUC-JP German as cp932": "Priorit将｣t",
    "EUC-JP German as cp932, at the end": "Gro将ﾎ",
}
WRITTEN = {
    "a range of hours in Japanese": "10時～12時の間に",
    "a Hebrew prefix on a number": "ב5",
    "a brand in Japanese": "iPhone修理",
    "half-width katakana beside kanji": "ｼｽﾃﾑ障害",
    "a box drawn in a cell": "┌──┐",
    "a number sign": "Nº12",
}


@pytest.mark.parametrize("name", list(ODD))
def test_a_word_no_language_writes_is_odd(name: str) -> None:
    assert is_odd(ODD[name])


@pytest.mark.parametrize("name", list(WRITTEN))
def test_a_word_people_write_is_not_odd(name: str) -> None:
    assert not is_odd(WRITTEN[name])


def export(path: Path, notes: list[str], encoding: str, status: str = "open") -> Path:
    rows = [f"{i + 1};{status};2024-02-0{i % 9 + 1} 10:00;{note}" for i, note in enumerate(notes)]
    path.write_bytes((HEADER + "\n".join(rows) + "\n").encode(encoding))
    return path


HEBREW = [
    "זיכוי של 120 ₪ אושר על ידי הנהלת החשבונות",
    "חזרנו ללקוח בטלפון, החלק החלופי יישלח מחר",
    "הלקוח אישר את הקבלה",
    "המשלוח עוכב, פיצוי של 50 ₪ לחשבון הלקוח",
    "החזר של 75 ₪ בוצע",
    "הוחזרו 200 ₪ ללקוח",
    "פיצוי של 30 ₪ אושר",
]


def test_hebrew_with_the_shekel_sign_is_read_as_cp1255(tmp_path: Path) -> None:
    # KOI8-U reads '₪' as 'є', a Ukrainian word, and the Hebrew letters as Russian ones ('ы'):
    # a word counts only for a reading whose letters are in its language. ISO-8859-8 reads
    # the same letters with its placeholder '¤' where cp1255 has the shekel sign.
    path = export(tmp_path / "he.csv", HEBREW, "cp1255")
    decision = decide_encoding(path)
    assert decision.encoding == "cp1255"
    assert decision.language == "Hebrew"
    assert read_table(path)["note"].tolist() == HEBREW


def test_the_windows_code_page_decides_where_readings_differ_in_a_symbol(
    tmp_path: Path,
) -> None:
    # without cp932's own characters (①), cp932 and Shift_JIS differ only in the sign at 0x8160
    # ('～' and '〜'): Excel on Japanese Windows writes cp932; a language model weighs letters
    notes = [
        "10時～12時の間にお電話ください",
        "折り返し電話済み、倉庫の回答待ち",
        "返金を承認、お客様にご満足いただけました",
    ]
    path = export(tmp_path / "ja.csv", notes, "cp932")
    assert decide_encoding(path).encoding == "cp932"
    assert read_table(path)["note"].tolist() == notes


def test_a_currency_sign_is_not_read_as_the_placeholder(tmp_path: Path) -> None:
    # ISO-8859-15 puts '€' where cp1252 (and ISO-8859-1) has the placeholder '¤'
    notes = ["Erstattung über 25 € genehmigt", "Rückruf erfolgt, Kunde zufrieden", "Gelöst"]
    path = export(tmp_path / "de.csv", notes, "iso8859_15")
    assert read_table(path)["note"].tolist() == notes


def test_a_sign_alone_names_no_encoding(tmp_path: Path) -> None:
    # byte 0xA4 and no letter beyond ASCII: '¤', '₪' or '€', nothing in the file says which
    path = export(tmp_path / "sign.csv", ["Refund 25 € approved", "Closed"], "iso8859_15")
    with pytest.raises(EncodingUnclear):
        read_table(path)


def test_a_text_the_models_find_in_no_language_is_refused(tmp_path: Path) -> None:
    # EUC-JP katakana read as Thai ('ฅฏฅํกผฅบ'): chardet's best score for it is 0.003, twice
    # that of the others; a score that low says nothing of any reading
    notes = ["クローズ", "フィードバック", "ステータス"]
    path = export(tmp_path / "ja.csv", notes, "euc_jp")
    with pytest.raises(EncodingUnclear):
        read_table(path)
    assert read_table(path, encoding="euc_jp")["note"].tolist() == notes


def test_a_word_of_a_short_file_is_not_decided_by_a_language_model(tmp_path: Path) -> None:
    # 'Čč' (two bytes) is Arabic 'بو' to chardet's models; the refusal shows the two
    # readings in the Latin letters of the file's other words
    path = export(tmp_path / "thin.csv", ["Ref. Čč-12"], "cp1250", status="closed")
    with pytest.raises(EncodingUnclear) as refused:
        read_table(path)
    assert {refused.value.first, refused.value.second} == {"cp1250", "cp1252"}
    assert "cp1250 'Ref. Čč-12'" in str(refused.value)
