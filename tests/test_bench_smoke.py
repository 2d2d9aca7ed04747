"""Each benchmark, run at a tiny size, so that the benches keep working as the code they measure changes."""

from __future__ import annotations

from bench import fairness, sender, tick


def test_the_tick_bench_runs_every_step() -> None:
    figures = tick.main(["--items", "200", "--people", "50"])
    assert figures.baseline_build.detail.endswith("jobs")
    assert "200 asked" in figures.dispatch_day.detail
    assert "0 asked" in figures.quiet_day.detail
    assert figures.minute.detail == "day already done"
    assert figures.minute.queries == 1


def test_the_sender_bench_delivers_each_message_once() -> None:
    baseline, paced = sender.main(["--messages", "20"])
    for delivery in (baseline, paced):
        assert (delivery.messages, delivery.duplicates, delivery.lost) == (20, 0, 0)
    assert paced.too_many_requests == 0


def test_the_fairness_bench_delivers_each_message_once() -> None:
    figures = fairness.main(["--group-posts", "3", "--people", "10", "--each", "2", "--recipients", "4"])
    for baseline, paced in figures.values():
        for outcome in (baseline, paced):
            assert (outcome.duplicates, outcome.lost) == (0, 0)
        assert paced.too_many_requests == 0
