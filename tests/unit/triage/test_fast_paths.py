"""Fast paths of triage give exactly the answers of the plain way of computing them."""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from pingan.triage import rules
from pingan.triage.decide import default_model
from pingan.triage.model import KeyTable, LinearTextModel
from pingan.triage.rules import DANGER_RULES, danger_hits
from pingan.triage.text import (
    _AMOUNT,
    _COUNTED,
    _MONEY_CONTEXT,
    _PLAIN_BLOCKS,
    _number_value,
    _plain_text,
    fold,
    money_spans,
    nfkc,
    normalise,
)
from pingan.triage.train import read_rows

CORPUS = Path(__file__).resolve().parents[3] / "src" / "pingan" / "data" / "triage" / "corpus"


def corpus_texts(count: int = 1500) -> list[str]:
    texts = [row.text for path in sorted(CORPUS.glob("*.jsonl")) for row in read_rows(path)]
    return random.Random(11).sample(texts, min(count, len(texts)))


# --- n-gram look-up ----------------------------------------------------------------------------


def test_the_hash_table_finds_what_a_binary_search_finds() -> None:
    rng = np.random.default_rng(3)
    keys = np.unique(rng.integers(0, 0x110000**2, size=20_000, dtype=np.int64))
    ids = rng.permutation(len(keys)).astype(np.int64)
    table = KeyTable.build(keys, ids)
    assert len(table.spill_keys) > 0  # some keys met another in their slot
    wanted = np.concatenate([keys, keys + 1, rng.integers(0, 0x110000**2, 5000, dtype=np.int64)])
    hit, found = table.find(wanted)
    position = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    expected = keys[position] == wanted
    assert np.array_equal(hit, expected)
    assert np.array_equal(found, ids[position[expected]])


def test_one_text_alone_has_the_features_it_has_in_a_batch() -> None:
    model = default_model().code
    texts = [fold(t) for t in corpus_texts(200)] + ["", " ", "a b", "𠀀𠀁x", "报警" * 100]
    batch = model.featurise(texts)
    for k, text in enumerate(texts):
        low, high = batch.bounds[k], batch.bounds[k + 1]
        assert model.index.known_ids(text).tolist() == batch.ids[low:high].tolist()


# --- scores ------------------------------------------------------------------------------------


def test_scores_of_a_batch_are_those_of_each_text_alone_and_the_weighted_sum() -> None:
    model: LinearTextModel = default_model().code
    texts = [normalise(t) for t in corpus_texts(120)] + ["", "龘龘龘"]  # last two: no features
    random.Random(4).shuffle(texts)
    together = model.batch_logits(model.featurise(texts))
    assert together.shape == (len(texts), len(model.classes))
    for text, row in zip(texts, together, strict=True):
        batch = model.featurise([text])
        alone = model.batch_logits(batch)[0]
        assert np.array_equal(row, alone), text
        # What the scores mean: the bias plus each feature's value times its weight row.
        expected = model.bias + (batch.values[:, None] * model.weights[batch.ids]).sum(axis=0)
        assert np.allclose(alone, expected, atol=1e-5), text


# --- normalisation -----------------------------------------------------------------------------


def _plain_characters() -> Iterator[str]:
    for low, high in _PLAIN_BLOCKS:
        yield from map(chr, range(low, high + 1))


def test_nfkc_of_every_character_of_the_usual_blocks_is_unicodes() -> None:
    for char in _plain_characters():
        assert nfkc(char) == unicodedata.normalize("NFKC", char), hex(ord(char))


def test_nfkc_of_mixed_text_is_unicodes() -> None:
    rng = random.Random(7)
    pool = [
        *"报警人称，。！？、：；“”（）《》…—·ＡＢＣ１２３ 　\n\t",
        *map(chr, range(0x00A0, 0x0100)),
        *map(chr, range(0x2000, 0x2070)),
        *map(chr, range(0xFF00, 0xFFF0)),
        *map(chr, range(0x0300, 0x0310)),  # combining marks
        *map(chr, range(0x1100, 0x1110)),  # Hangul jamo, which compose with each other
        *map(chr, range(0x1161, 0x1170)),
        "\uac00",
        "\u3099",
        "\u309a",
        "\u304b",
        "e",
        "\u2126",
        "\ufb01",
        "\U0002f800",
    ]
    for _ in range(20_000):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(1, 8)))
        assert nfkc(text) == unicodedata.normalize("NFKC", text), ascii(text)
    for text in corpus_texts():
        assert nfkc(text) == unicodedata.normalize("NFKC", text)


def test_no_character_taken_as_plain_is_the_second_part_of_a_composition() -> None:
    seconds = set()
    for code in range(0x30000):
        decomposition = unicodedata.decomposition(chr(code))
        if decomposition and not decomposition.startswith("<"):
            parts = decomposition.split()
            if len(parts) == 2:
                seconds.add(chr(int(parts[1], 16)))
    plain = _plain_text()
    assert [hex(ord(c)) for c in sorted(seconds) if plain.other.search(c) is None] == []


# --- money -------------------------------------------------------------------------------------


def _money_spans_tried_everywhere(text: str) -> list[tuple[int, int, float]]:
    """The amounts found by trying the amount pattern at every character."""
    found = []
    for match in _AMOUNT.finditer(text):
        raw = match.group("num")
        unit = match.group("unit") or ""
        if not unit and not _MONEY_CONTEXT.search(text[max(0, match.start() - 6) : match.start()]):
            large = any(ch in raw for ch in "万千wWkK")
            if not large or text[match.end() : match.end() + 1] in _COUNTED:
                continue
        value = _number_value(raw)
        if value is None or value <= 0:
            continue
        found.append((match.start(), match.end(), value * (10_000 if unit == "万元" else 1)))
    return found


def test_amounts_are_found_as_by_trying_every_character() -> None:
    texts = [fold(t) for t in corpus_texts()] + [
        "被骗了两万，另有3千元和1万2，共计五百",
        "价值1,200.50元的手机，现金800，借了他2万元",
        "两万人，三千米，3号楼，五万多元",
    ]
    for text in texts:
        assert list(money_spans(text)) == _money_spans_tried_everywhere(text), text


# --- danger rules ------------------------------------------------------------------------------


DANGER_EXAMPLES = [
    "电梯里有人出不来了",
    "有人被困在电梯里",
    "孩子走丢了，找不到了",
    "联系不上我家老人",
    "小偷还在店里",
    "对方还没走，在追我",
    "一帮人堵在我家门口",
    "厨房着火了，有人受伤流血",
    "老人昏迷不醒，没有呼吸",
    "有人落水了",
    "他说不想活了要跳楼",
    "闻到煤气味",
    "老公正在打我，救命",
    "对方拿着刀",
]


def test_a_rule_trigger_passes_every_text_its_pattern_matches() -> None:
    texts = [fold(t) for t in corpus_texts()] + DANGER_EXAMPLES
    for rule in DANGER_RULES:
        if rule.trigger is None or rule.trigger.startswith("["):
            continue  # character triggers are checked by the rules' own tests
        pattern, trigger = re.compile(rule.pattern), re.compile(rule.trigger)
        for text in texts:
            if pattern.search(text):
                assert trigger.search(text), (rule.name, text)


def test_the_word_test_before_the_rules_changes_no_hit(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [fold(t) for t in corpus_texts()] + DANGER_EXAMPLES
    quick = [danger_hits(text) for text in texts]
    compiled, words = rules._compiled_rules()
    assert words is not None and any(entry[-1] for entry in compiled)
    every_rule = tuple((*entry[:-1], False) for entry in compiled)
    monkeypatch.setattr(rules, "_compiled_rules", lambda: (every_rule, None))
    assert [danger_hits(text) for text in texts] == quick
    assert any(quick)
