"""The import's triage workers: answers in order, errors passed on, and a worker that dies is
reported at once, even when it dies halfway through sending an answer (a ProcessPoolExecutor
waited for the rest of that answer for ever)."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager

import pytest

from pingan.intake import ahead
from pingan.intake.ahead import Answer

# Forked, so that the fakes below, set on the module here, are what the worker runs.
FORK = multiprocessing.get_context("fork")


def _echo(
    texts: Sequence[str], addresses: Sequence[str | None], home: str | None, channels: Sequence[str]
) -> list[str]:
    return [f"{home}:{text}" for text in texts]


def _huge(*_: object) -> list[str]:
    return ["x" * 5_000_000]  # far more than a pipe holds: sent in many writes


def _fails(*_: object) -> list[str]:
    raise ValueError("研判失败")


@contextmanager
def _running(
    monkeypatch: pytest.MonkeyPatch, triage: Callable[..., list[str]]
) -> Iterator[ahead._Worker]:
    """A forked worker whose triage is ``triage``, stopped afterwards."""
    monkeypatch.setattr(ahead, "triage_for_recording", triage)
    one = ahead._Worker(FORK, load=False)
    one.start_sending()
    try:
        yield one
    finally:
        one.stop()


@pytest.fixture
def worker(monkeypatch: pytest.MonkeyPatch) -> Iterator[ahead._Worker]:
    with _running(monkeypatch, _echo) as one:
        yield one


def _request(*texts: str, home: str = "330602") -> ahead.Request:
    return (list(texts), [None] * len(texts), home, ["110"] * len(texts))


def _result_within(answer: Answer, seconds: float) -> object:
    """The answer's result (or what it raised), failing the test if none comes in time."""
    got: list[object] = []

    def wait() -> None:
        try:
            got.append(answer.result())
        except BaseException as exc:
            got.append(exc)

    waiter = threading.Thread(target=wait, daemon=True)
    waiter.start()
    waiter.join(seconds)
    assert got, f"no answer within {seconds} s"
    return got[0]


def test_answers_come_back_for_their_own_batches_in_any_order(worker: ahead._Worker) -> None:
    answers = [worker.submit(_request(f"警情{n}", home=f"33060{n}")) for n in range(5)]
    for n in reversed(range(5)):  # asked for newest first: the older ones are kept meanwhile
        assert answers[n].result() == [f"33060{n}:警情{n}"]


def test_an_error_in_the_worker_is_raised_where_the_answer_is_wanted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with _running(monkeypatch, _fails) as one, pytest.raises(ValueError, match="研判失败"):
        one.submit(_request("有人打架")).result()


def test_a_worker_killed_while_sending_its_answer_is_reported_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with _running(monkeypatch, _huge) as one:
        answer = one.submit(_request("有人打架"))
        # The first bytes of the answer are there: the worker is blocked halfway through it.
        assert one._answers.poll(30)
        os.kill(one.process.pid, signal.SIGKILL)
        started = time.monotonic()
        outcome = _result_within(answer, 30)
        assert isinstance(outcome, BrokenProcessPool)
        assert time.monotonic() - started < 10
        with pytest.raises(BrokenProcessPool):  # and nothing more is sent to it
            one.submit(_request("又一起"))
    assert not one.process.is_alive()


def test_a_worker_killed_while_idle_is_reported_when_its_answer_is_wanted(
    worker: ahead._Worker,
) -> None:
    assert worker.submit(_request("第一起")).result() == ["330602:第一起"]
    os.kill(worker.process.pid, signal.SIGKILL)
    worker.process.join(10)
    outcome = _result_within(worker.submit(_request("第二起")), 30)
    assert isinstance(outcome, BrokenProcessPool)


def test_stopping_with_answers_still_owed_ends_the_worker_without_waiting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with _running(monkeypatch, _huge) as one:
        one.submit(_request("有人打架"))
        assert one._answers.poll(30)  # it is blocked sending an answer nobody reads
        started = time.monotonic()
    assert time.monotonic() - started < 10  # _running stopped it
    assert not one.process.is_alive()
