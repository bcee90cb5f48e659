"""One reading of a file's bytes that is not UTF-8: the legacy encoding its whole content
supports, or a refusal that shows the two readings.

Every legacy encoding Office and helpdesks write is tried on every non-ASCII word of the file
(a run of bytes that no multi-byte character crosses; the words are the file's vocabulary,
so a large file costs one scan). Encodings that decode a word no file holds (C1 controls,
private-use or unassigned characters) drop out, and those that read the file as the same
text are one reading (German in cp1250 and cp1252). The readings left are compared on the
file's own evidence (backfill/read/scripts.py): words that no language writes, letters that
do not belong to the language of the words every reading shares, and chardet's bigram
models of each language (the language of the words). One reading is chosen only when it is
clearly better than every other; otherwise the file is refused with both readings shown.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from backfill.errors import InputError
from backfill.read import scripts

# Windows code pages first: where several encodings read a file as the same text, the first
# names the reading. cp932, gbk, cp950 and cp949 are the supersets Windows writes.
CANDIDATES = (
    *("cp1252", "cp1250", "cp1251", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257"),
    *("cp1258", "cp874", "cp932", "shift_jis", "gbk", "gb18030", "cp950", "big5", "cp949"),
    *("euc_kr", "koi8_r", "koi8_u"),
    *(f"iso8859_{n}" for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16)),
)
# a run of bytes >= 0x30 but for ':;<=>?': no byte of a multi-byte character is outside it
_WORD = re.compile(rb"(?<![0-9@-\xff])[0-9@-\x7f]*+[\x80-\xff][0-9@-\xff]*")
# a whole ASCII word (not the ASCII part of "Zamknięte", not "number" of "number_customergauge")
_PLAIN_WORD = re.compile(rb"(?<![\x80-\xffA-Za-z0-9_])[A-Za-z]{2,}(?![\x80-\xffA-Za-z0-9_])")
_BLOCK = 8 << 20
_JUDGED_WORDS = 3000  # the commonest non-ASCII words carry the evidence
_MODEL_BYTES = 64 << 10
ODD_SHARE = 0.02  # words no language writes, as a share of the non-ASCII words
CLEAR_RATIO = 2.0  # how much better a language model must find one reading than another
FOREIGN_SHARE = 0.2  # most letters a chosen reading may have from outside its language (names)


@dataclass
class Reading:
    """One text the bytes can be, and the encodings that read them so."""

    encodings: list[str]
    words: list[str]  # the file's non-ASCII words as this reading has them (NFC)
    odd: float = 0.0  # share of word occurrences no language writes
    language: str = ""  # the language whose letters these are
    foreign: Counter[str] = field(default_factory=Counter)  # letters `language` does not write
    model: float = 0.0  # chardet's similarity with its best language model, 0-1

    @property
    def encoding(self) -> str:
        return self.encodings[0]


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
            "cp1250-cp1258 and cp874, Shift_JIS, GBK, Big5, cp949, KOI8, ISO-8859): it may not "
            'be a text export at all; save it as UTF-8 (in Excel: File > Save As > "CSV '
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
            if not block.isascii():
                counts.update(_WORD.findall(block))
    if rest and not rest.isascii():
        counts.update(_WORD.findall(rest))
    return counts


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
        _judge(reading, weights)
    _model_scores(readings, words)
    return readings


def _impossible(text: str) -> bool:
    """C1 controls, private-use or unassigned characters: no export holds them."""
    for char in set(text):
        if "\x80" <= char <= "\x9f" or unicodedata.category(char) in ("Co", "Cn"):
            return True
    return False


def _judge(reading: Reading, weights: Sequence[int]) -> None:
    odd = 0
    letters: Counter[str] = Counter()
    for word, weight in zip(reading.words, weights, strict=False):
        if scripts.is_odd(word):
            odd += weight
        for char in word:
            letter = scripts.letter_of(char)
            if letter is not None:
                letters[letter] += weight
    reading.odd = odd / (sum(weights) or 1)
    reading.language, reading.foreign = scripts.best_language(letters)


def _model_scores(readings: list[Reading], words: list[bytes]) -> None:
    """chardet's similarity of each reading with its best language model (words joined by
    spaces, as the models were trained on running text)."""
    import chardet

    sample = b" ".join(words)[:_MODEL_BYTES]
    by_text = {"\n".join(r.words): r for r in readings}
    results = chardet.detect_all(
        sample, ignore_threshold=True, compat_names=False, max_bytes=len(sample)
    )
    for result in results:
        name = result.get("encoding")
        if not name:
            continue
        try:
            text = unicodedata.normalize("NFC", sample.decode(name)).replace(" ", "\n")
        except (UnicodeDecodeError, LookupError):
            continue
        for key, reading in by_text.items():
            if key.startswith(text):  # (the sample may cut the last word)
                reading.model = max(reading.model, float(result.get("confidence") or 0.0))
                break


def _choose(
    readings: list[Reading], weights: Sequence[int], plain: set[str]
) -> tuple[Reading | None, Reading, Reading]:
    """(the reading clearly better than every other, or None; the best reading; the one
    it is compared with: the one it is not clearly better than, else the next best)."""
    possible = sorted(
        (r for r in readings if r.odd <= ODD_SHARE), key=lambda r: (-r.model, _incoherence(r))
    )
    rest = sorted((r for r in readings if r not in possible), key=lambda r: (r.odd, -r.model))
    order = possible + rest
    best = order[0]
    if not possible:
        return None, best, order[1] if len(order) > 1 else best
    for one in possible:
        others = [r for r in possible if r is not one]
        if all(_clearly_better(one, other, weights, plain) for other in others):
            if _foreign_share(one, weights) > FOREIGN_SHARE:
                break
            rival = next(r for r in order if r is not one) if len(order) > 1 else one
            return one, one, rival
    undecided = (r for r in possible[1:] if not _clearly_better(best, r, weights, plain))
    return None, best, next(undecided, order[1] if len(order) > 1 else best)


def _incoherence(reading: Reading) -> float:
    return sum(reading.foreign.values()) / (sum(reading.foreign.values()) + 1)


def _foreign_share(reading: Reading, weights: Sequence[int]) -> float:
    letters = sum(
        n * sum(1 for c in w if scripts.letter_of(c))
        for w, n in zip(reading.words, weights[:_JUDGED_WORDS], strict=False)
    )
    return sum(reading.foreign.values()) / (letters or 1)


def _clearly_better(one: Reading, other: Reading, weights: Sequence[int], plain: set[str]) -> bool:
    """Whether the file's evidence chooses `one` over `other`: the letters where they differ
    belong to the language of the words they share and the other's do not; or one's letters
    belong to one language and the other's to none; or a language model finds `one` far
    likelier."""
    mine_known, theirs_known = _known_words(one, other, weights)
    if not theirs_known and (len(mine_known) >= 2 or sum(mine_known.values()) >= 5):
        return True
    shared = [w for w, v in zip(one.words, other.words, strict=True) if w == v]
    languages = scripts.common_word_languages([*plain, *(w for s in shared for w in s.split())])
    if languages:
        mine, theirs = _differing_letters(one, other, weights)
        if _fit(mine, languages) >= 0.95 and _fit(theirs, languages) <= 0.5:
            return True
    own, others = _foreign_share(one, weights), _foreign_share(other, weights)
    if own <= 0.05 and len(one.foreign) <= 2 and (others > 0.10 or len(other.foreign) >= 3):
        return True
    if own > others:
        return False
    return one.model > 0 and one.model >= CLEAR_RATIO * other.model


def _known_words(
    one: Reading, other: Reading, weights: Sequence[int]
) -> tuple[Counter[str], Counter[str]]:
    """The words of a language that each reading has where the two differ ('après' is
    French, 'aprčs' no word), counted over the file."""
    mine: Counter[str] = Counter()
    theirs: Counter[str] = Counter()
    for a, b, weight in zip(one.words, other.words, weights, strict=False):
        if a == b:
            continue
        for x, y in zip(a.split(), b.split(), strict=False):
            if x != y:
                if scripts.known_word(x.strip(".,:;!?()\"'")):
                    mine[x] += weight
                if scripts.known_word(y.strip(".,:;!?()\"'")):
                    theirs[y] += weight
    return mine, theirs


def _differing_letters(
    one: Reading, other: Reading, weights: Sequence[int]
) -> tuple[Counter[str], Counter[str]]:
    """The letters each reading has where their words differ, counted over the file."""
    mine: Counter[str] = Counter()
    theirs: Counter[str] = Counter()
    for a, b, weight in zip(one.words, other.words, weights, strict=False):
        if a == b:
            continue
        left = Counter(c for c in a if scripts.letter_of(c))
        right = Counter(c for c in b if scripts.letter_of(c))
        for letter, n in (left - right).items():
            mine[scripts.letter_of(letter) or letter] += n * weight
        for letter, n in (right - left).items():
            theirs[scripts.letter_of(letter) or letter] += n * weight
    return mine, theirs


def _fit(letters: Counter[str], languages: Sequence[str]) -> float:
    total = sum(letters.values())
    if not total:
        return 0.0
    fitting = sum(n for c, n in letters.items() if any(scripts.fits(lg, c) for lg in languages))
    return fitting / total


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
