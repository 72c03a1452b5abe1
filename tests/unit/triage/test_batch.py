"""Bulk intake: a batch gets exactly the answers its texts get one by one, fast or not."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from pingan.triage.decide import default_model, triage, triage_many
from pingan.triage.text import char_ngrams, normalise
from pingan.triage.train import read_rows

CORPUS = Path(__file__).resolve().parents[3] / "src" / "pingan" / "data" / "triage" / "corpus"


def mixed_texts(count: int = 300) -> list[str]:
    """Corpus texts as written, cut short, and three joined into one long report."""
    texts = [row.text for path in sorted(CORPUS.glob("*.jsonl")) for row in read_rows(path)]
    rng = random.Random(5)
    mixed = ["急！！", "ＡＢＣ小区３幢，被骗３０００元", "  有人 打架  "]
    while len(mixed) < count:
        pick = rng.random()
        if pick < 0.5:
            mixed.append(rng.choice(texts))
        elif pick < 0.75:
            mixed.append(rng.choice(texts)[:12])
        else:
            mixed.append("。".join(rng.sample(texts, 3)))
    return mixed


def test_a_batch_answers_exactly_as_one_by_one() -> None:
    texts = mixed_texts()
    addresses = [None if k % 3 else "杭州市西湖区文三路" for k in range(len(texts))]
    channels = [(None, "110", "12345", "app")[k % 4] for k in range(len(texts))]
    batch = triage_many(texts, addresses, channels=channels)
    for text, address, channel, answer in zip(texts, addresses, channels, batch, strict=True):
        alone = triage(text, address, channel=channel)
        assert answer.to_dict() == alone.to_dict(), text


def test_probabilities_do_not_depend_on_the_other_texts_in_the_batch() -> None:
    model = default_model().code
    texts = [normalise(t) for t in mixed_texts(120)]
    together = model.score_many(texts)
    for text, scored in zip(texts, together, strict=True):
        alone = model.score_many([text])[0]
        assert np.array_equal(alone.probabilities, scored.probabilities)
        assert np.array_equal(alone.feature_ids, scored.feature_ids)


def test_features_are_the_known_character_ngrams_of_the_text() -> None:
    model = default_model().code
    index = {term: i for i, term in enumerate(model.terms)}
    for text in [*mixed_texts(80), "", " ", "a b", "𠀀𠀁x"]:
        normalised = normalise(text)
        expected = sorted(
            {
                i
                for gram in char_ngrams(normalised, model.max_n)
                if (i := index.get(gram)) is not None
            }
        )
        assert model.term_ids(normalised).tolist() == expected
        assert model.featurise([normalised, "x"]).ids[: len(expected)].tolist() == expected


def test_an_empty_text_in_a_batch_is_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        triage_many(["有人打架", "  "])
    with pytest.raises(ValueError, match="differ in length"):
        triage_many(["有人打架"], addresses=[None, None])


def test_without_explaining_the_answers_are_the_same_but_for_the_evidence() -> None:
    """Recording an incident triages without the n-gram evidence and alternatives, which it does
    not store: every decision is the one a call-taker is shown."""
    texts = mixed_texts(200)
    addresses = [None if k % 2 else "绍兴市新昌县七星街道" for k in range(len(texts))]
    channels = [("110", "12345", "grid", None)[k % 4] for k in range(len(texts))]
    explained = triage_many(texts, addresses, channels=channels)
    plain = triage_many(texts, addresses, channels=channels, explain=False)
    for text, full, short in zip(texts, explained, plain, strict=True):
        shown, stored = full.to_dict(), short.to_dict()
        assert stored["alternatives"] == []
        assert stored["evidence"] == [
            e for e in shown["evidence"] if e["kind"] not in ("feature", "gov_feature")
        ], text
        for answer in (shown, stored):
            del answer["alternatives"], answer["evidence"]
        assert stored == shown, text
    assert any(e["kind"] == "feature" for t in explained for e in t.evidence)
