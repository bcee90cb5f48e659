"""How one reading of a file's bytes compares with another on the file's own evidence (for
encoding_choice.py): words that no language writes, the common words of the language its
letters are in, letters that do not belong to the language of the words every reading
shares, and chardet's bigram models of each language once the file gives them enough to
judge. Readings with the same letters that differ in symbols only are told apart by the
symbols ('₪' against ISO-8859's placeholder '¤') and by what Office writes.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from backfill.read import scripts

CLEAR_RATIO = 2.0  # how much better a language model must find one reading than another
MODEL_MIN_BYTES = 24  # non-ASCII bytes a language model needs before its score may decide
MODEL_MIN_SCORE = 0.1  # a model score below this says the text is in no language it knows
WORD_LANGUAGE_FIT = 0.02  # most of a reading's letters its words' language may not write
_MODEL_BYTES = 64 << 10
# ISO-8859's placeholder where a code page of the same letters has a currency sign (₪, €)
_PLACEHOLDER = "¤"
# what Office writes on Windows, each code page for its own letters (issue 25)
_WINDOWS = frozenset(
    (
        *("cp1250", "cp1251", "cp1252", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257"),
        *("cp1258", "cp874", "cp932", "gbk", "cp949", "cp950"),
    )
)


@dataclass
class Reading:
    """One text the bytes can be, and the encodings that read them so."""

    encodings: list[str]
    words: list[str]  # the file's non-ASCII words as this reading has them (NFC)
    odd: float = 0.0  # share of word occurrences no language writes
    language: str = ""  # the language whose letters these are
    letters: Counter[str] = field(default_factory=Counter)  # its letters beyond a-z, counted
    foreign: Counter[str] = field(default_factory=Counter)  # letters `language` does not write
    # the languages whose common words count for it: those that write nearly all its letters
    languages: frozenset[str] = frozenset()
    model: float = 0.0  # chardet's similarity with its best language model, 0-1
    model_bytes: int = 0  # the non-ASCII bytes that model judged

    @property
    def encoding(self) -> str:
        return self.encodings[0]


def judge(reading: Reading, weights: Sequence[int]) -> None:
    """Its share of odd words, its letters and the language that writes most of them."""
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
    reading.letters = letters
    reading.language, reading.foreign = scripts.best_language(letters)
    reading.languages = frozenset(scripts.writing_languages(letters, WORD_LANGUAGE_FIT))


def model_scores(readings: list[Reading], words: list[bytes]) -> None:
    """chardet's similarity of each reading with its best language model (words joined by
    spaces, as the models were trained on running text)."""
    import chardet

    sample = b" ".join(words)[:_MODEL_BYTES]
    judged = sum(1 for byte in sample if byte > 0x7F)
    for reading in readings:
        reading.model_bytes = judged
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


def foreign_share(reading: Reading) -> float:
    """The share of its letters that the language of its letters does not write."""
    return sum(reading.foreign.values()) / (sum(reading.letters.values()) or 1)


def clearly_better(one: Reading, other: Reading, weights: Sequence[int], plain: set[str]) -> bool:
    """Whether the file's evidence chooses `one` over `other`: it has words of the language of
    its letters where the other has none; the letters where they differ belong to the
    language of the words they share and the other's do not; one's letters belong to one
    language and the other's to none; or a language model finds `one` far likelier. Where
    they differ in symbols only, see _symbol_tie."""
    mine_known, theirs_known = _known_words(one, other, weights)
    if not theirs_known and (len(mine_known) >= 2 or sum(mine_known.values()) >= 5):
        return True
    shared = [w for w, v in zip(one.words, other.words, strict=True) if w == v]
    languages = scripts.common_word_languages([*plain, *(w for s in shared for w in s.split())])
    if languages:
        mine, theirs = _differing_letters(one, other, weights)
        if _fit(mine, languages) >= 0.95 and _fit(theirs, languages) <= 0.5:
            return True
    own, others = foreign_share(one), foreign_share(other)
    if own <= 0.05 and len(one.foreign) <= 2 and (others > 0.10 or len(other.foreign) >= 3):
        return True
    if own > others:
        return False
    symbols = _differing_symbols(one, other)
    if symbols is not None:
        return _symbol_tie(one, other, symbols)
    # (below MODEL_MIN_BYTES a score is noise: 'Čč' reads as Arabic 'بو' as readily as Czech)
    enough = one.model_bytes >= MODEL_MIN_BYTES and one.model >= MODEL_MIN_SCORE
    return enough and one.model >= CLEAR_RATIO * other.model


def _known_words(
    one: Reading, other: Reading, weights: Sequence[int]
) -> tuple[Counter[str], Counter[str]]:
    """The common words of a language that each reading has where the two differ ('après' is
    French, 'aprčs' no word), counted over the file; only of a language that writes the
    reading's letters ('є' is Ukrainian, but not in a reading full of Russian 'ы')."""
    mine: Counter[str] = Counter()
    theirs: Counter[str] = Counter()
    for a, b, weight in zip(one.words, other.words, weights, strict=False):
        if a == b:
            continue
        for x, y in zip(a.split(), b.split(), strict=False):
            if x != y:
                if scripts.known_word(x.strip(".,:;!?()\"'"), one.languages):
                    mine[x] += weight
                if scripts.known_word(y.strip(".,:;!?()\"'"), other.languages):
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


def _differing_symbols(one: Reading, other: Reading) -> list[tuple[str, str]] | None:
    """The characters where the two differ, when they are the same letters and differ in
    symbols only (cp1255's '₪' and ISO-8859-8's '¤'); else None."""
    if not one.letters or one.letters != other.letters:
        return None
    pairs: set[tuple[str, str]] = set()
    for a, b in zip(one.words, other.words, strict=True):
        if a == b:
            continue
        if len(a) != len(b):
            return None
        for x, y in zip(a, b, strict=True):
            if x != y:
                if not (_is_symbol(x) and _is_symbol(y)):
                    return None
                pairs.add((x, y))
    return sorted(pairs)


def _symbol_tie(one: Reading, other: Reading, symbols: list[tuple[str, str]]) -> bool:
    """Whether `one` wins where the two have the same letters and differ in symbols, which no
    language model weighs: a sign of its own (₪, €) against ISO-8859's placeholder '¤'; else
    the Windows code page, which is what Office writes ('～' in cp932, '〜' in Shift_JIS)."""
    if not symbols:
        return False
    mine = {x for x, _ in symbols}
    theirs = {y for _, y in symbols}
    if theirs == {_PLACEHOLDER}:
        return _PLACEHOLDER not in mine
    if _PLACEHOLDER in mine:
        return False
    return one.encoding in _WINDOWS and not _WINDOWS.intersection(other.encodings)


def _is_symbol(char: str) -> bool:
    return not char.isalnum() and not unicodedata.category(char).startswith("M")
