"""One reading of a file's bytes that is not UTF-8: the legacy encoding its whole content
supports, or a refusal that shows the two readings.

Every legacy encoding Office and helpdesks write is tried on every non-ASCII word of the file
(a run of bytes that no multi-byte character crosses; the words are the file's vocabulary,
so a large file costs one scan). Encodings that decode a word no file holds (C1 controls,
private-use or unassigned characters) drop out, and those that read the file as the same
text are one reading (German in cp1250 and cp1252). The readings left are compared on the
file's own evidence (reading_evidence.py, scripts.py): words that no language writes, the
common words of the language of its letters, letters that do not belong to the language of
the words every reading shares, and chardet's bigram models of each language where the file
gives them enough to judge. One reading is chosen only when it is clearly better than every
other; otherwise the file is refused with both readings shown.
"""

from __future__ import annotations

import codecs
import itertools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from backfill.errors import InputError
from backfill.read import scripts
from backfill.read.reading_evidence import (
    MODEL_MIN_BYTES,
    Reading,
    clearly_better,
    foreign_share,
    judge,
    model_scores,
)

# Windows code pages first: where several encodings read a file as the same text, the first
# names the reading. cp932, gbk, cp950 and cp949 are the supersets Windows writes.
CANDIDATES = (
    *("cp1252", "cp1250", "cp1251", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257"),
    *("cp1258", "cp874", "cp932", "shift_jis", "euc_jp", "gbk", "gb18030", "cp950", "big5"),
    *("cp949", "euc_kr", "koi8_r", "koi8_u"),
    *(f"iso8859_{n}" for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16)),
)
# a word is a run of bytes >= 0x30 but for ':;<=>?' (no byte of a multi-byte character is
# outside it): every other byte becomes a space, and bytes.split() cuts the words apart
_WORD_BYTES = bytes(b if b >= 0x30 and b not in b":;<=>?" else 0x20 for b in range(256))
# a whole ASCII word (not the ASCII part of "Zamknięte", not "number" of "number_customergauge")
_PLAIN_WORD = re.compile(rb"(?<![\x80-\xffA-Za-z0-9_])[A-Za-z]{2,}(?![\x80-\xffA-Za-z0-9_])")
_BLOCK = 2 << 20  # (a block's words are one list in memory)
_JUDGED_WORDS = 3000  # the commonest non-ASCII words carry the evidence
ODD_SHARE = 0.02  # words no language writes, as a share of the non-ASCII words
FOREIGN_SHARE = 0.2  # most letters a chosen reading may have from outside its language (names)


@dataclass(frozen=True)
class Decision:
    """The encoding a legacy file is read in, and what decided it (for init's comment)."""

    encoding: str
    language: str
    examples: list[str]  # words as they read in `encoding`
    other: str | None = None  # the next best encoding
    other_examples: list[str] = field(default_factory=list)  # the same words in `other`

    def evidence(self) -> str:
        """'Polish: 'Zamknięte', 'Rozwiązane'; as cp1252 these would read 'Zamkniête', ...'"""
        shown = ", ".join(repr(w) for w in self.examples)
        text = f"{self.language}: {shown}" if shown else self.language
        if self.other and self.other_examples:
            other = ", ".join(repr(w) for w in self.other_examples)
            text += f"; as {self.other} these would read {other}"
        return text


class EncodingUnclear(InputError):
    """Two encodings read the file as different text, and its evidence does not choose."""

    def __init__(self, path: Path, first: str, second: str, cells: str) -> None:
        self.path, self.first, self.second, self.cells = path, first, second, cells
        super().__init__(self.worded(f"input: {{encoding: {first}}}"))

    def worded(self, setting: str) -> str:
        """The message, with `setting` as the way to name the encoding."""
        return (
            f"{self.path} is not UTF-8, and its bytes read as different text in {self.first} "
            f"and in {self.second}, with nothing in the file to say clearly which one it was "
            f"saved in; the same cells in both: {self.cells}; see which shows the text as it "
            f"was written and name that encoding: {setting} (or {self.second}); or save it as "
            'UTF-8 (in Excel: File > Save As > "CSV UTF-8") and run again'
        )


def decide_encoding(path: Path) -> Decision:
    """The legacy encoding `path` is in (it is not UTF-8); EncodingUnclear when the evidence
    does not choose, InputError when no candidate reads it."""
    counts = _words(path)
    weights = [n for _, n in counts.most_common()]
    readings = _readings(counts)
    plain = _plain_words(path)
    if not readings:
        raise InputError(
            f"{path} is not UTF-8 text, nor in any encoding backfill knows (Windows code pages "
            "cp1250-cp1258 and cp874, Shift_JIS, EUC-JP, GBK, Big5, cp949, KOI8, ISO-8859): it "
            'may not be a text export at all; save it as UTF-8 (in Excel: File > Save As > "CSV '
            'UTF-8") or name its encoding in the config: input: {encoding: NAME}'
        )
    winner, first, second = _choose(readings, weights, plain)
    if winner is None:
        from backfill.read.two_readings import differing_cells

        cells = differing_cells(path, first.encoding, second.encoding)
        raise EncodingUnclear(path, first.encoding, second.encoding, cells)
    return _decision(winner, second, plain)


def _plain_words(path: Path) -> set[str]:
    """The ASCII words at the start of the file: they read the same in every encoding, so
    they tell the language the other words must be in."""
    with open(path, "rb") as handle:
        head = handle.read(1 << 20)
    return {w.decode().casefold() for w in _PLAIN_WORD.findall(head)}


def _words(path: Path) -> Counter[bytes]:
    """Every non-ASCII word of the file, counted (read a block at a time, cut at a line end)."""
    counts: Counter[bytes] = Counter()
    rest = b""
    with open(path, "rb") as handle:
        while block := handle.read(_BLOCK):
            block = rest + block
            cut = block.rfind(b"\n") + 1
            block, rest = (block[:cut], block[cut:]) if cut else (b"", block)
            counts.update(_non_ascii_words(block))
    counts.update(_non_ascii_words(rest))
    return counts


def _non_ascii_words(block: bytes) -> Iterator[bytes]:
    """The words of `block` that hold a non-ASCII byte (split and filtered in C: this is
    the one pass over the whole file)."""
    if block.isascii():
        return iter(())
    return itertools.filterfalse(bytes.isascii, block.translate(_WORD_BYTES).split())


def _readings(counts: Counter[bytes]) -> list[Reading]:
    """The distinct texts the candidates read the words as, judged on the commonest words."""
    words = [w for w, _ in counts.most_common()]
    blob = b"\n".join(words)
    texts: dict[str, Reading] = {}
    for encoding in CANDIDATES:
        try:
            text = blob.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _impossible(text):
            continue
        text = unicodedata.normalize("NFC", text)  # (cp1258 writes accents apart)
        if text in texts:
            texts[text].encodings.append(encoding)
        else:
            texts[text] = Reading([encoding], text.split("\n"))
    readings = list(texts.values())
    weights = [counts[w] for w in words[:_JUDGED_WORDS]]
    for reading in readings:
        judge(reading, weights)
    model_scores(readings, words)
    return readings


def _impossible(text: str) -> bool:
    """C1 controls, private-use or unassigned characters: no export holds them."""
    for char in set(text):
        if "\x80" <= char <= "\x9f" or unicodedata.category(char) in ("Co", "Cn"):
            return True
    return False


def _choose(
    readings: list[Reading], weights: Sequence[int], plain: set[str]
) -> tuple[Reading | None, Reading, Reading]:
    """(the reading clearly better than every other, or None; the best reading; the one
    it is compared with: the one it is not clearly better than, else the next best)."""
    thin = bool(plain) and all(r.model_bytes < MODEL_MIN_BYTES for r in readings)

    def rank(reading: Reading) -> tuple[bool, float, float]:
        # where the models cannot judge, the readings in the letters of the file's ASCII
        # words come first (the pair a refusal shows: 'Čč' beside 'Èè', not beside 'بو')
        letters = (c for w in reading.words for c in w if c.isalpha())
        apart = thin and any(scripts.script(c) != "LATIN" for c in letters)
        return apart, -reading.model, _incoherence(reading)

    possible = sorted((r for r in readings if r.odd <= ODD_SHARE), key=rank)
    rest = sorted((r for r in readings if r not in possible), key=lambda r: (r.odd, -r.model))
    order = possible + rest
    best = order[0]
    if not possible:
        return None, best, order[1] if len(order) > 1 else best
    for one in possible:
        others = [r for r in possible if r is not one]
        if all(clearly_better(one, other, weights, plain) for other in others):
            if foreign_share(one) > FOREIGN_SHARE:
                break
            rival = next(r for r in order if r is not one) if len(order) > 1 else one
            return one, one, rival
    undecided = (r for r in possible[1:] if not clearly_better(best, r, weights, plain))
    return None, best, next(undecided, order[1] if len(order) > 1 else best)


def _incoherence(reading: Reading) -> float:
    return sum(reading.foreign.values()) / (sum(reading.foreign.values()) + 1)


def _decision(winner: Reading, rival: Reading, plain: set[str]) -> Decision:
    """The choice with the commonest words that read differently in the next best encoding."""
    examples: list[str] = []
    other_examples: list[str] = []
    for mine, theirs in zip(winner.words, rival.words, strict=False):
        word = mine.strip("'\"")
        if mine != theirs and any(scripts.letter_of(c) for c in mine):
            examples.append(word)
            other_examples.append(theirs.strip("'\""))
            if len(examples) == 3:
                break
    other = rival.encoding if rival is not winner and examples else None
    if not examples:  # (no other reading: show the commonest non-ASCII words)
        examples = [w for w in winner.words if any(scripts.letter_of(c) for c in w)][:3]
    # the language of its common words, where those words are in its letters
    words = [*plain, *(w for text in winner.words for w in text.split())]
    letters = Counter(c for w in examples for c in w if scripts.letter_of(c))
    fitting = [
        lg
        for lg in scripts.common_word_languages(words)
        if all(scripts.fits(lg, scripts.letter_of(c) or c) for c in letters)
    ]
    language = fitting[0] if fitting and winner.language not in fitting else winner.language
    return Decision(winner.encoding, language, examples, other, other_examples)


def codec_name(encoding: str) -> str:
    """Python's own name of an encoding (cp1250, shift_jis, iso8859-2, utf-8)."""
    return codecs.lookup(encoding).name
