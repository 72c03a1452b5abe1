"""``python -m bench.compare``: this checkout against another commit, in turns."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from bench.compare import compare, figures

# A benchmark that reports its tree's speed: the commits below differ only in it.
FAKE_BENCH = """
import json, os, sys
from pathlib import Path
from bench.speed import SPEED
name = sys.argv[1]
out = Path(os.environ["PINGAN_BENCH_RESULTS"])
out.mkdir(parents=True, exist_ok=True)
(out / f"{name}.json").write_text(json.dumps(
    {"sqlite": {"per_s": SPEED, "ok": True}, "label": "x", "_machine": {"seconds": 1.5}}
))
"""


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "bench").mkdir(parents=True)
    (root / "bench" / "__init__.py").write_text("")
    (root / "bench" / "__main__.py").write_text(FAKE_BENCH)
    _git(root, "init", "-q")
    for speed in (100, 200):
        (root / "bench" / "speed.py").write_text(f"SPEED = {speed}\n")
        _git(root, "add", ".")
        _git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", str(speed))
    return root


def test_each_side_runs_its_own_code_in_turns_and_the_ratio_compares_them(repo: Path) -> None:
    said: list[str] = []
    result = compare("HEAD~1", "fake", pairs=2, tree=repo, progress=said.append)

    figure = result["figures"]["sqlite.per_s"]
    assert figure["here"] == [200.0, 200.0]
    assert figure["there"] == [100.0, 100.0]
    assert figure["ratio_median"] == 2.0
    # Only numbers are compared, and not the machine's details.
    assert set(result["figures"]) == {"sqlite.per_s"}
    # The sides alternate which goes first.
    assert said == [
        "pair 1/2: fake at here",
        "pair 1/2: fake at there",
        "pair 2/2: fake at there",
        "pair 2/2: fake at here",
    ]
    assert result["there"] == _git(repo, "rev-parse", "--short", "HEAD~1").strip()
    # The other commit's checkout is gone again.
    assert len(_git(repo, "worktree", "list").splitlines()) == 1


def test_uncommitted_changes_are_what_runs_here_and_are_named(repo: Path) -> None:
    (repo / "bench" / "speed.py").write_text("SPEED = 50\n")
    result = compare("HEAD", "fake", pairs=1, tree=repo, progress=lambda _: None)

    assert result["figures"]["sqlite.per_s"]["ratio_median"] == 0.25
    assert result["here"].endswith("with uncommitted changes")


def test_an_unknown_figure_is_refused(repo: Path) -> None:
    with pytest.raises(SystemExit, match="no_such"):
        compare("HEAD", "fake", pairs=1, tree=repo, wanted=["no_such"], progress=print)


def test_figures_are_the_numbers_by_path() -> None:
    found = dict(figures(json.loads('{"a": {"b": [1, 2.5]}, "c": false, "_machine": {"s": 3}}')))
    assert found == {"a.b.0": 1.0, "a.b.1": 2.5}
