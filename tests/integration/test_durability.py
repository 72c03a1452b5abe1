"""SIGKILL the server while clients send: every acknowledged incident survives with its history."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from bench.durability import prepare_database, trial
from tests.conftest import BACKENDS, _drop_pg_database, new_database_url

TRIALS = int(os.environ.get("PINGAN_DURABILITY_TRIALS", "6"))


@pytest.mark.parametrize("backend", BACKENDS)
def test_no_acknowledged_incident_is_lost_when_the_server_is_killed(
    backend: str, tmp_path: Path
) -> None:
    url, pg_name = new_database_url(backend, tmp_path)
    try:
        prepare_database(url)
        rng = random.Random(2026)
        acknowledged = 0
        for _ in range(TRIALS):
            result = trial(url, tmp_path, rng)
            assert result["lost"] == 0, result
            assert result["broken_history"] == 0, result
            acknowledged += result["acknowledged"]
        assert acknowledged > TRIALS * 5  # the clients really were writing when the kills came
    finally:
        if pg_name:
            _drop_pg_database(pg_name)
