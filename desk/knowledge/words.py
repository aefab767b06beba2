"""Text into the words the search matches: jieba for Chinese, lower-cased stems for English.

Articles and questions go through the same function, so a word matches a word, never a piece
of one: 话号 does not find 电话号码, because jieba cuts that into 电话 and 号码. The words a
caller uses for what the articles call otherwise (煤气 for 燃气) are mapped by the synonym rows,
on both sides. Pure functions: the data migration that loads the shipped articles uses them too.
"""

import json
import logging
import re
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path

import jieba

jieba.setLogLevel(logging.WARNING)

# Words of the trade jieba's general dictionary does not hold whole (without them 阶梯气价
# would only be found as 阶梯 + 气价), and the words a search ignores: data, not code.
_WORD_LISTS = json.loads(
    (Path(__file__).resolve().parent / "data" / "words.json").read_text("utf-8")
)
TRADE_WORDS: tuple[str, ...] = tuple(_WORD_LISTS["trade_words"])
STOP_ZH = frozenset(_WORD_LISTS["stop_zh"])
STOP_EN = frozenset(_WORD_LISTS["stop_en"])

_PIECE = re.compile(r"[^\W_]+")
_LATIN = re.compile(r"[a-z0-9]+")
_lock = threading.Lock()
_known: set[str] = set()


def _dictionary_extend(words: Iterable[str]) -> None:
    """Teach jieba words it must keep whole (the trade's words, the synonyms' words)."""
    fresh = [w for w in words if w and w not in _known]
    if not fresh:
        return
    with _lock:  # jieba's dictionary is one per process
        for word in fresh:
            if word not in _known and not _LATIN.fullmatch(word):
                jieba.add_word(word)
            _known.add(word)


_dictionary_extend(TRADE_WORDS)


def english_stem(word: str) -> str:
    """A crude stem (leaks → leak, smelling → smell): the same on both sides, so it need not
    be a real word, only a stable one."""
    for suffix, keep in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("es", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)] + keep
            break
    else:
        if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
            word = word[:-1]
    # move and moving, stove and stoves: one stem
    return word[:-1] if word.endswith("e") and len(word) > 3 else word


def synonyms_normalized(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Synonym rows as words_of applies them: lower-cased, English words stemmed (on both
    sides: "cooker → stove" must meet the stem the articles' "stove" is indexed under)."""

    def normal(word: str) -> str:
        word = word.strip().lower()
        return english_stem(word) if _LATIN.fullmatch(word) else word

    return {normal(term): normal(canonical) for term, canonical in pairs}


def words_of(text: str, synonyms: Mapping[str, str]) -> list[str]:
    """The searchable words of `text`, in order: stop words dropped, synonyms applied."""
    _dictionary_extend([*synonyms.keys(), *synonyms.values()])
    found: list[str] = []
    # No HMM: it glues unknown runs of characters into made-up words (微信交), which then
    # match nothing; without it they stay as the dictionary words and single characters.
    for token in jieba.cut_for_search(text.lower(), HMM=False):
        for piece in _PIECE.findall(token):
            if _LATIN.fullmatch(piece):
                if piece in STOP_EN:
                    continue
                piece = english_stem(piece)
            elif piece in STOP_ZH:
                continue
            found.append(synonyms.get(piece, piece))
    return found


def question_words(text: str, synonyms: Mapping[str, str], *, most: int = 30) -> list[str]:
    """A question's distinct words, first said first, at most `most` of them."""
    seen: dict[str, None] = {}
    for word in words_of(text, synonyms):
        seen.setdefault(word, None)
    return list(seen)[:most]


def document_words(parts: Iterable[str], synonyms: Mapping[str, str]) -> str:
    """The words of an article's texts, space-separated, for to_tsvector('simple', ...)."""
    return " ".join(word for part in parts for word in words_of(part, synonyms))
