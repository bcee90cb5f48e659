"""What a language's words look like: its letters, its commonest words, and the words no
language writes. The evidence by which encoding_choice.py tells a right reading of a file's
bytes from a wrong one ('Zamknięte' is Polish; 'Zamkniête' mixes a French letter into it,
'Rozwi¹zane' has a digit inside a word, 'Çàêðûò' needs letters of five languages).
"""

from __future__ import annotations

import functools
import unicodedata
from collections import Counter
from collections.abc import Collection, Iterable


def _vietnamese() -> str:
    tones = ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")
    bases = "aăâeêioôơuưy"
    letters = {unicodedata.normalize("NFC", base + tone) for base in bases for tone in tones}
    return "đ" + "".join(sorted(letters - set("aeiouy")))


# The letters beyond a-z of the languages written in the legacy encodings (lower case).
ALPHABETS: dict[str, str] = {
    "English": "",
    "German": "äöüß",
    "French": "àâæçéèêëîïôœùûüÿ",
    "Spanish": "áéíñóúü",
    "Portuguese": "áâãàçéêíóôõú",
    "Italian": "àèéìíîòóùú",
    "Catalan": "àçéèíïóòúü",
    "Dutch": "áéíóúàèëïöü",
    "Swedish": "åäöé",
    "Danish": "æøåé",
    "Norwegian": "æøåéèêóòô",
    "Finnish": "äöåšž",
    "Icelandic": "áðéíóúýþæö",
    "Polish": "ąćęłńóśźż",
    "Czech": "áčďéěíňóřšťúůýž",
    "Slovak": "áäčďéíĺľňóôŕšťúýž",
    "Hungarian": "áéíóöőúüű",
    "Slovene": "čšžćđ",
    "Croatian": "čćđšž",
    "Romanian": "ăâîșțşţ",
    "Albanian": "çë",
    "Turkish": "çğıöşüâîû",
    "Estonian": "äöõüšž",
    "Latvian": "āčēģīķļņšūž",
    "Lithuanian": "ąčęėįšųūž",
    "Vietnamese": _vietnamese(),
    "Russian": "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    "Ukrainian": "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя",
    "Belarusian": "абвгдеёжзійклмнопрстуўфхцчшыьэюя",
    "Bulgarian": "абвгдежзийклмнопрстуфхцчшщъьюя",
    "Serbian": "абвгдђежзијклљмнњопрстћуфхцчџш",
    "Macedonian": "абвгдѓежзѕијклљмнњопрстќуфхцчџш",
    "Greek": "αβγδεζηθικλμνξοπρστυφχψωάέήίόύώϊϋΐΰς",
}
_LETTERS = {language: frozenset(letters) for language, letters in ALPHABETS.items()}
# languages told by their script rather than by a list of letters
_BY_SCRIPT: dict[str, frozenset[str]] = {
    "Hebrew": frozenset({"HEBREW"}),
    "Arabic": frozenset({"ARABIC"}),
    "Thai": frozenset({"THAI"}),
    "Chinese": frozenset({"CJK"}),
    "Japanese": frozenset({"CJK", "HIRAGANA", "KATAKANA"}),
    "Korean": frozenset({"HANGUL", "CJK"}),
}
LANGUAGES = (*ALPHABETS, *_BY_SCRIPT)

# The commonest words of the languages written in Latin letters (function words, and
# "customer"), beside the stop-words package's lists (which lack some of these languages):
# which language the words that every reading shares are in, and which words are words.
_OWN_COMMON_WORDS: dict[str, frozenset[str]] = {
    language: frozenset(words.split())
    for language, words in {
        "English": "the and to of a in is for on with that this it was be are not have has "
        "from by at as an or but will we you they he she his her our your customer",
        "German": "der die das und ist nicht ein eine zu den dem mit von auf für im in es sich "
        "auch wir sie er kunde hat wurde bitte noch nach bei aus",
        "French": "le la les de des du et un une est pas pour dans en au aux par sur avec ce "
        "que qui il elle nous client été très plus",
        "Spanish": "el la los las de del y en un una es no por para con que se lo al le su "
        "cliente está muy pero",
        "Portuguese": "o a os as de do da dos das e em um uma é não por para com que se no na "
        "ao cliente foi está muito mas",
        "Italian": "il lo la gli le di del della e un una è non per con che si in al nel "
        "cliente sono ha stato molto ma",
        "Catalan": "el la els les de del i en un una és no per amb que es al client",
        "Dutch": "de het een en van is niet op te dat in met voor zijn er ook klant heeft "
        "werd maar",
        "Swedish": "och att det som en är på för med inte av till har jag kund den var",
        "Danish": "og at det som en er på for med ikke af til har jeg kunde den var",
        "Norwegian": "og at det som en er på for med ikke av til har jeg kunde den var",
        "Finnish": "ja on ei se että oli asiakas kun mutta hän myös tai",
        "Icelandic": "og að er í á það sem ekki við hann með um",
        "Polish": "i w z na nie się do to że jest o od po za jak co klient ale tak już",
        "Czech": "a v na se je že to s z do o k jak ale jsem by zákazník už také",
        "Slovak": "a v na sa je že to s z do o k ako ale som by zákazník už tiež",
        "Hungarian": "a az és hogy nem is egy meg de van ez már ügyfél volt",
        "Slovene": "in je na se da v za so ne z pa tudi kot stranka",
        "Croatian": "i je u na se da za su ne s od kao ali kupac",
        "Romanian": "și şi de în la a cu nu pe este din o un că se pentru client",
        "Albanian": "dhe në të për me një është nga që nuk",
        "Turkish": "ve bir bu da de için ile çok ne olarak müşteri var",
        "Estonian": "ja on ei et see oli kui ka klient",
        "Latvian": "un ir ar no uz par ka kā bet klients",
        "Lithuanian": "ir yra kad su į iš per bet ne klientas",
        "Vietnamese": "và của là có không được trong cho với các khách hàng đã",
    }.items()
}

_ALPHABETIC = frozenset({"LATIN", "CYRILLIC", "GREEK", "HEBREW", "ARABIC", "THAI"})
_EAST_ASIAN = frozenset({"CJK", "HIRAGANA", "KATAKANA", "HANGUL"})
_JOINERS = frozenset("’‘'·-‐–—")  # apostrophes, hyphens and Catalan's middle dot
_BESIDE_LETTERS = frozenset("°©®™")  # symbols that do touch words ("25°C", "Windows®")


@functools.lru_cache(maxsize=4096)
def script(char: str) -> str:
    """The script of a character as Unicode names it: LATIN, CYRILLIC, CJK, ... ("" if none)."""
    if len(char) != 1:
        return ""
    try:
        words = unicodedata.name(char).split()
    except ValueError:
        return ""
    first = words[0]
    if first in ("HALFWIDTH", "FULLWIDTH") and len(words) > 1:
        first = words[1]
    if first.startswith("KATAKANA"):
        return "KATAKANA"
    if first == "IDEOGRAPHIC":
        return "CJK"
    return first


def letter_of(char: str) -> str | None:
    """The lower-case letter a non-ASCII letter (or combining mark) counts as; None for others."""
    if char.isascii() or not (char.isalpha() or unicodedata.category(char) == "Mn"):
        return None
    lower = char.lower()
    if len(lower) != 1:  # "İ" -> "i̇": the base letter
        lower = unicodedata.normalize("NFD", char)[0].lower()
    return None if lower.isascii() else lower


def fits(language: str, letter: str) -> bool:
    """Whether `language` writes `letter` (from letter_of)."""
    if language in _LETTERS:
        return letter in _LETTERS[language]
    return script(letter) in _BY_SCRIPT[language]


def best_language(letters: Counter[str]) -> tuple[str, Counter[str]]:
    """The language that writes the most of `letters` (counted), and the letters it does not."""
    best: tuple[tuple[int, int], str, Counter[str]] | None = None
    for language in LANGUAGES:
        foreign = Counter({c: n for c, n in letters.items() if not fits(language, c)})
        key = (sum(foreign.values()), len(foreign))
        if best is None or key < best[0]:
            best = (key, language, foreign)
    assert best is not None
    return best[1], best[2]


@functools.cache
def common_words() -> dict[str, frozenset[str]]:
    """Language -> its commonest words (casefolded)."""
    from stop_words import AVAILABLE_LANGUAGES, get_stop_words

    words = {language: set(own) for language, own in _OWN_COMMON_WORDS.items()}
    for name in AVAILABLE_LANGUAGES:
        language = name.capitalize()
        if language in LANGUAGES:
            # (the Hebrew list is stored as JSON text: '"אבל",')
            found = (w.strip('",').casefold() for w in get_stop_words(name))
            words.setdefault(language, set()).update(w for w in found if w)
    return {language: frozenset(found) for language, found in words.items()}


def known_word(word: str, languages: Collection[str]) -> bool:
    """Whether `word` is a common word of one of `languages` that writes all of its letters."""
    folded = word.casefold()
    letters = {letter_of(c) for c in word} - {None}
    return any(
        language in languages and folded in common and all(fits(language, c) for c in letters if c)
        for language, common in common_words().items()
    )


def writing_languages(letters: Counter[str], most_foreign: float) -> list[str]:
    """The languages that write all but `most_foreign` (a share) of `letters` (counted)."""
    total = sum(letters.values())
    return [
        language
        for language in LANGUAGES
        if sum(n for c, n in letters.items() if not fits(language, c)) <= most_foreign * total
    ]


def common_word_languages(words: Iterable[str]) -> list[str]:
    """The languages of which `words` hold the most distinct common words (at least three)."""
    found = {w.casefold() for w in words if len(w) > 1}  # ("a", "e", "i" are in many lists)
    hits = {language: len(common & found) for language, common in common_words().items()}
    most = max(hits.values(), default=0)
    return [language for language, n in hits.items() if n == most] if most >= 3 else []


def is_odd(word: str) -> bool:
    """Whether no language writes `word` so: letters of two alphabets in it, a symbol or digit
    between or against its letters, a lower-case letter followed by a capital, a final sigma
    inside it, an accent on no letter or twice, one East Asian character among Latin ones,
    Latin letters with both kanji and half-width katakana (EUC-JP's accents read as cp932)."""
    scripts: set[str] = set()
    half_width_kana = False
    last = len(word) - 1
    for i, char in enumerate(word):
        before = word[i - 1] if i else ""
        after = word[i + 1] if i < last else ""
        kind = unicodedata.category(char)
        # (JIS X 0201's single-byte katakana and their corner brackets and marks)
        half_width_kana = half_width_kana or "\uff61" <= char <= "\uff9f"
        if kind[0] == "L" or kind == "Mn":
            own = script(char)
            scripts.add(own)
            if kind == "Mn" and (not before or before == char or script(before) == "LATIN"):
                return True  # (NFC composes every accent a Latin letter takes)
            if char == "ς" and after.isalpha():
                return True
            # a capital after a small letter, one of them not ASCII ("гЮЙПШР": KOI8 of cp1251)
            ascii_pair = char.isascii() and before.isascii()
            if before.isalpha() and not ascii_pair and before.islower() and char.isupper():
                return True
            if own in _EAST_ASIAN and script(before) == "LATIN" and script(after) == "LATIN":
                return True
        elif _odd_beside(char, kind, before, after):
            return True
    alphabets = scripts & _ALPHABETIC
    if half_width_kana and {"LATIN", "CJK"} <= scripts:
        return True
    return len(alphabets) > 1 or ("HANGUL" in scripts and bool(scripts & {"CJK", "HIRAGANA"}))


def _odd_beside(char: str, kind: str, before: str, after: str) -> bool:
    """Whether a character that is no letter cannot stand between `before` and `after`:
    a symbol or digit against letters, a box-drawing character against a letter or digit
    ('│0Ы9' is GB18030 read as KOI8-R), a digit between two letters of an alphabet
    ('Ѓ0щ9' is GB18030 read as cp1251)."""
    between_alphabets = script(before) in _ALPHABETIC and script(after) in _ALPHABETIC
    if char.isascii():
        return kind == "Nd" and between_alphabets and not (before + after).isascii()
    if char in _JOINERS:
        return False
    touches = before.isalpha() or after.isalpha()
    if between_alphabets:
        return True
    if "\u2500" <= char <= "\u259f" and (before.isalnum() or after.isalnum()):
        return True
    if kind == "Nd" and touches and not 0xFF10 <= ord(char) <= 0xFF19:
        return True
    # ('10時～12時': full-width signs are written within East Asian text)
    wide = unicodedata.east_asian_width(char) in ("W", "F")
    if wide and (script(before) in _EAST_ASIAN or script(after) in _EAST_ASIAN):
        return False
    return kind in ("So", "Sm", "Sk") and touches and char not in _BESIDE_LETTERS
