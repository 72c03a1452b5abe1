"""Text as the classifier sees it: normalisation, money amounts and character n-grams.

Call-takers type fast and mix full-width and half-width forms, Arabic and Chinese numerals.
Normalisation folds these together so that "３０００元", "3000元" and "三千元" look alike:

- NFKC folds full-width letters, digits and punctuation to half-width; letters are lowercased;
- a money amount becomes one token for its size bucket (so "5200元" and "8650元" share a feature,
  and a model can learn that size matters without learning every number);
- any other run of digits becomes one digit token (dates, times, house numbers).

Tokens are single characters from the Unicode private-use area, so that character n-grams treat
each as one symbol.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache

DIGIT_TOKEN = chr(0xE000)

# Upper bounds (yuan, exclusive) of the money buckets; the last bucket is open-ended.
# 3,000 is the Zhejiang threshold of 数额较大 for theft; 500 / 1,000 / 2,000 / 6,000 / 10,000 /
# 50,000 / 300,000 fall near the other thresholds people and statutes use.
AMOUNT_BOUNDS: tuple[float, ...] = (500, 1000, 2000, 3000, 6000, 10_000, 50_000, 300_000)
_AMOUNT_BASE = 0xE010
AMOUNT_TOKENS: tuple[str, ...] = tuple(chr(_AMOUNT_BASE + i) for i in range(len(AMOUNT_BOUNDS) + 1))

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_BIG_UNITS = {"万": 10_000, "亿": 100_000_000}
_NEXT_LOWER = {"万": 1000, "千": 100, "百": 10}

_ARABIC = r"\d+(?:,\d{3})*(?:\.\d+)?"
_CHINESE = r"[零〇一二两三四五六七八九十百千万亿]+"
# A number, an optional multiplier, an optional "more than", an optional currency unit.
_AMOUNT = re.compile(
    rf"(?P<num>{_ARABIC}\s*[万千百wWkK]?(?:{_CHINESE}|\d)?|{_CHINESE})"
    r"\s*(?P<approx>余|多)?\s*(?P<unit>万元|元|块钱|块|rmb|RMB)?"
)
# Words that make a bare number (no 元/块) a sum of money: "现金5000", "被骗了两万".
_MONEY_CONTEXT = re.compile(
    r"(价值|现金|人民币|损失|被骗|骗了|骗走|偷了|花了|转账|转了|借了|欠|共计|合计|工资|¥|￥)"
)
# A large number without 元 counts as money unless a measure word follows ("两万人", "三千米").
_COUNTED = frozenset("人个名位米次平方斤公克吨里户辆件只台亩步条张份家岁天年月日号楼层栋")
_DIGITS = re.compile(r"\d+(?:[.,]\d+)*")
# Where an amount can begin (the first character of either kind of number): the text is
# searched for these first, as the amount pattern itself would be tried at every character.
_AMOUNT_START = re.compile(r"[\d零〇一二两三四五六七八九十百千万亿]")
_LARGE = frozenset("万千wWkK")
_NUMBER = re.compile(rf"^({_ARABIC})([万千百wWkK]?)(.*)$")
_MULTIPLIERS = {"万": 10_000, "w": 10_000, "W": 10_000, "千": 1000, "k": 1000, "K": 1000, "百": 100}


def chinese_number(text: str) -> float | None:
    """The value of a Chinese numeral, including colloquial short forms.

    >>> [chinese_number(t) for t in ("两万", "一万二", "三千五", "十五")]
    [20000.0, 12000.0, 3500.0, 15.0]
    """
    if not text or any(
        ch not in _CN_DIGITS and ch not in _CN_SMALL_UNITS and ch not in _CN_BIG_UNITS
        for ch in text
    ):
        return None
    total = 0.0
    section = 0.0
    digit: float | None = None
    last_unit = ""
    for ch in text:
        if ch in _CN_DIGITS:
            digit = float(_CN_DIGITS[ch])
        elif ch in _CN_SMALL_UNITS:
            section += (1.0 if digit is None else digit) * _CN_SMALL_UNITS[ch]
            digit = None
            last_unit = ch
        else:
            section += digit or 0.0
            total += (section or 1.0) * _CN_BIG_UNITS[ch]
            section = 0.0
            digit = None
            last_unit = ch
    if digit is not None:
        # "一万二" is 12,000 and "三千五" 3,500: a trailing digit counts in the next lower unit.
        if last_unit in _NEXT_LOWER and text[-2] in _CN_SMALL_UNITS | _CN_BIG_UNITS:
            digit *= _NEXT_LOWER[last_unit]
        section += digit
    return total + section


def _number_value(raw: str) -> float | None:
    raw = raw.replace(" ", "")
    match = _NUMBER.match(raw)
    if match is None:
        return chinese_number(raw)
    value = float(match.group(1).replace(",", ""))
    value *= _MULTIPLIERS.get(match.group(2), 1)
    rest = match.group(3)
    if rest:
        # "1万2" or "2万五千": the Chinese tail adds to the number in the next lower unit.
        tail = float(rest) if rest.isdigit() else chinese_number(rest)
        if tail is None:
            return None
        if match.group(2) in _NEXT_LOWER and tail < 10:
            tail *= _NEXT_LOWER[match.group(2)]
        value += tail
    return value


def money_spans(text: str) -> Iterator[tuple[int, int, float]]:
    """(start, end, yuan) of each sum of money in half-width text."""
    position = 0
    while (first := _AMOUNT_START.search(text, position)) is not None:
        match = _AMOUNT.match(text, first.start())
        if match is None:
            position = first.start() + 1
            continue
        start, end = match.span()
        position = end
        raw, unit = match.group("num", "unit")
        if not unit:
            # A bare number is money after a word of money ("现金5000"), or when it is large and
            # no measure word follows it ("两万人" counts people).
            small_or_counted = _LARGE.isdisjoint(raw) or text[end : end + 1] in _COUNTED
            if small_or_counted and _MONEY_CONTEXT.search(text, max(0, start - 6), start) is None:
                continue
        value = _number_value(raw)
        if value is None or value <= 0:
            continue
        if unit == "万元":
            value *= 10_000
        yield start, end, value


def parse_amounts(text: str) -> list[float]:
    """Sums of money (yuan) written in the text, in order.

    >>> parse_amounts("被骗3千，另有２.３万元和一万二")
    [3000.0, 23000.0, 12000.0]
    """
    return [value for _, _, value in money_spans(fold(text))]


def amount_token(value: float) -> str:
    for index, bound in enumerate(AMOUNT_BOUNDS):
        if value < bound:
            return AMOUNT_TOKENS[index]
    return AMOUNT_TOKENS[-1]


def fold(text: str) -> str:
    """Full-width to half-width, lower case, whitespace collapsed."""
    return " ".join(nfkc(text).lower().split())


# Blocks whose characters NFKC mostly leaves alone or replaces one by one: ASCII and Latin-1,
# general punctuation, CJK punctuation and ideographs, full-width forms.
_PLAIN_BLOCKS = (
    (0x0000, 0x00FF),
    (0x2000, 0x206F),
    (0x3000, 0x303F),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xFF00, 0xFFEF),
)


@dataclass(frozen=True)
class _PlainText:
    """What :func:`nfkc` needs to normalise most texts without ``unicodedata.normalize``.

    A character of :data:`_PLAIN_BLOCKS` is *stable* when NFKC keeps it and it has no
    combining class (none of them is the second part of a composition either: see the tests),
    and *replaced* when NFKC turns it into stable characters (full-width forms, the ideographic
    space, …).  NFKC of a text made of these only is the text with the replaced ones replaced.
    """

    other: re.Pattern[str]  # any character neither stable nor replaced
    replaceable: re.Pattern[str]  # any replaced character
    replaced: dict[str, str]  # what each becomes


@cache
def _plain_text() -> _PlainText:
    stable: set[str] = set()
    changed: dict[str, str] = {}
    for low, high in _PLAIN_BLOCKS:
        block = "".join(map(chr, range(low, high + 1)))
        if unicodedata.is_normalized("NFKC", block) and not any(map(unicodedata.combining, block)):
            stable.update(block)  # the ideographs: nothing to check one by one
            continue
        for char in block:
            if unicodedata.combining(char):
                continue
            normal = unicodedata.normalize("NFKC", char)
            if normal == char:
                stable.add(char)
            else:
                changed[char] = normal
    replaced = {
        char: normal for char, normal in changed.items() if all(c in stable for c in normal)
    }
    return _PlainText(
        other=re.compile(f"[^{_char_class(stable | set(replaced))}]"),
        replaceable=re.compile(f"[{_char_class(set(replaced))}]"),
        replaced=replaced,
    )


def _char_class(chars: set[str]) -> str:
    """The inside of a regular-expression character class holding exactly ``chars``."""
    codes = sorted(map(ord, chars))
    ranges: list[str] = []
    first = last = codes[0]
    for code in [*codes[1:], -1]:
        if code == last + 1:
            last = code
            continue
        ranges.append(f"\\U{first:08x}" + (f"-\\U{last:08x}" if last > first else ""))
        first = last = code
    return "".join(ranges)


def nfkc(text: str) -> str:
    """``unicodedata.normalize("NFKC", text)``, faster for the usual text: when every character
    is one NFKC keeps or replaces by itself (see :class:`_PlainText`), the few that change are
    replaced; any other text is normalised in full."""
    plain = _plain_text()
    if plain.other.search(text) is not None:
        return unicodedata.normalize("NFKC", text)
    for char in set(plain.replaceable.findall(text)):
        text = text.replace(char, plain.replaced[char])
    return text


@dataclass(frozen=True)
class Reading:
    """A text read once: what the rules look at (``folded``), what the n-grams come from
    (``normalised``) and the sums of money in it (yuan, in order)."""

    folded: str
    normalised: str
    amounts: tuple[float, ...]


def read(text: str) -> Reading:
    """Fold the text, find its money once, and normalise it (see the module docstring)."""
    folded = fold(text)
    pieces: list[str] = []
    amounts: list[float] = []
    position = 0
    for start, end, value in money_spans(folded):
        pieces.append(_DIGITS.sub(DIGIT_TOKEN, folded[position:start]))
        pieces.append(amount_token(value))
        amounts.append(value)
        position = end
    pieces.append(_DIGITS.sub(DIGIT_TOKEN, folded[position:]))
    return Reading(folded, "".join(pieces), tuple(amounts))


def normalise(text: str) -> str:
    """The text the n-gram features are taken from (see the module docstring)."""
    return read(text).normalised


def char_ngrams(normalised: str, max_n: int = 3) -> list[str]:
    """Character n-grams of lengths 1..max_n, spaces dropped from the unigrams."""
    grams = list(normalised.replace(" ", ""))
    length = len(normalised)
    for n in range(2, max_n + 1):
        grams.extend(normalised[i : i + n] for i in range(length - n + 1))
    return grams


@lru_cache(maxsize=65536)
def readable_feature(gram: str) -> str:
    """An n-gram for people: tokens shown as <数> and <金额…>."""
    out: list[str] = []
    for ch in gram:
        if ch == DIGIT_TOKEN:
            out.append("<数>")
        elif ch in AMOUNT_TOKENS:
            index = AMOUNT_TOKENS.index(ch)
            low = 0 if index == 0 else AMOUNT_BOUNDS[index - 1]
            high = AMOUNT_BOUNDS[index] if index < len(AMOUNT_BOUNDS) else None
            out.append(f"<金额{low:g}-{high:g}元>" if high else f"<金额≥{low:g}元>")
        else:
            out.append(ch)
    return "".join(out)
