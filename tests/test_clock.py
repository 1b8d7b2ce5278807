"""The sample clock tells late samples from lost ones, on constructed arrival patterns.

A sensor without its own clock sends a sample every period; the radio and the computer deliver
them late, in bursts, or not at all. Arrivals here are built from true sample times, so every
stamped time can be checked against the truth.
"""

from __future__ import annotations

import numpy as np
import pytest

from holdtrack.sensing.clock import LagWatch, SampleClock
from holdtrack.sensing.journal import retimed_gaps

PERIOD_S = 0.04  # a 25 Hz sender, one sample per notification
RNG_SEED = 3


def _record(
    calls: list[tuple[float, int]],
    rate_hz: float = 1 / PERIOD_S,
    resync_at: int | None = None,
    time_scale: float = 1.0,
) -> tuple[np.ndarray, list[tuple[float, float]], int]:
    """Stamp ``(arrival_s, samples)`` packets as the recorder does; the final times (earlier
    ones retimed as the clock revised them), the gaps and how many revisions there were."""
    clock = SampleClock(rate_hz, time_scale=time_scale)
    times: list[float] = []
    gaps: list[tuple[float, float]] = []
    revisions = 0
    for i, (arrival_s, n) in enumerate(calls):
        if i == resync_at:
            clock.resync()
        stamped = clock.stamp(arrival_s, n)
        for after_s, by_s in stamped.retimes:
            revisions += 1
            times = [t + by_s if t > after_s else t for t in times]
            gaps = retimed_gaps(gaps, after_s, by_s, clock.period_s)
        if stamped.gap is not None:
            gaps.append(stamped.gap)
        times.extend(stamped.times.tolist())
    return np.array(times), gaps, revisions


def _offset_spread_s(times: np.ndarray, true_s: np.ndarray) -> float:
    """How much the stamped times wander around the true ones (0 for a constant latency)."""
    offset = times - true_s
    return float(offset.max() - offset.min())


def _steady(true_s: np.ndarray, latency_s: float = 0.01) -> list[tuple[float, int]]:
    return [(t + latency_s, 1) for t in true_s]


def _bursty(true_s: np.ndarray, seed: int = RNG_SEED, skip: tuple[float, float] | None = None):
    """Callbacks 1 to 150 ms apart, each delivering every sample taken by then (Android and
    Windows stacks deliver like this); none in the ``skip`` window (a stall)."""
    rng = np.random.default_rng(seed)
    calls: list[tuple[float, int]] = []
    now, i = 0.0, 0
    while i < len(true_s):
        now += rng.uniform(0.001, 0.150)
        if skip is not None and skip[0] < now < skip[1]:
            continue
        while i < len(true_s) and true_s[i] <= now:
            calls.append((now + 1e-4 * (i % 3), 1))
            i += 1
    return calls


TRUE_S = np.arange(0.0, 300.0, PERIOD_S)


def test_steady_delivery_is_timed_by_count():
    times, gaps, revisions = _record(_steady(TRUE_S))
    assert gaps == [] and revisions == 0
    np.testing.assert_allclose(np.diff(times), PERIOD_S, rtol=1e-9)
    assert _offset_spread_s(times, TRUE_S) < 1e-9


def test_bursty_delivery_without_loss_is_late_not_lost():
    """Every sample arrives, 1 to 150 ms late: no gap, and time is the count over the rate."""
    calls = _bursty(TRUE_S)
    times, gaps, revisions = _record(calls)
    assert gaps == [] and revisions == 0
    assert len(times) == len(TRUE_S)
    assert times[-1] - times[0] == pytest.approx((len(TRUE_S) - 1) * PERIOD_S, abs=1e-6)
    assert _offset_spread_s(times, TRUE_S) < 0.01


@pytest.mark.parametrize("delivery", ["steady", "bursty"])
def test_a_real_loss_is_one_gap_placed_at_the_pause(delivery):
    """25 notifications (1 s) never arrive at 100 s; the rest come at the sender's pace."""
    lost = (TRUE_S > 100.0) & (TRUE_S < 100.0 + 25.5 * PERIOD_S)
    kept = TRUE_S[~lost]
    assert lost.sum() == 25
    calls = _steady(kept) if delivery == "steady" else _bursty(kept)
    times, gaps, _ = _record(calls)
    assert len(gaps) == 1
    start, end = gaps[0]
    before = int(np.searchsorted(kept, 100.0, side="right"))  # first sample after the pause
    offset = times[0] - kept[0]
    assert start == pytest.approx(kept[before - 1] + offset, abs=1e-6)
    assert end == pytest.approx(kept[before] + offset, abs=1e-6)
    assert end - start == pytest.approx(26 * PERIOD_S, abs=1e-6)
    assert _offset_spread_s(times, kept) < 0.01  # every sample is where it was taken


@pytest.mark.parametrize("stall_s", [5.0, 30.0])
def test_a_stall_then_a_burst_with_every_sample_is_no_gap(stall_s):
    times, gaps, revisions = _record(_bursty(TRUE_S, skip=(100.0, 100.0 + stall_s)))
    assert gaps == [] and revisions == 0
    assert _offset_spread_s(times, TRUE_S) < 0.01


def test_scattered_losses_are_counted_against_time():
    """5 % of notifications lost one by one: no pause marks them, yet time keeps up."""
    rng = np.random.default_rng(RNG_SEED)
    kept = TRUE_S[rng.random(len(TRUE_S)) > 0.05]
    times, gaps, _ = _record(_bursty(kept))
    assert gaps == []
    duration_s = kept[-1] - kept[0]
    assert abs((times[-1] - times[0]) - duration_s) < 0.005 * duration_s
    assert _offset_spread_s(times, kept) < 0.5


def test_a_computer_falling_behind_is_no_loss():
    """The recorder gets only 70 % of what it needs for 60 s (pauses, then bursts that never
    quite catch up, 18 s behind at worst), then works off the backlog."""
    calls: list[tuple[float, int]] = []
    i, now = 0, 0.0
    while i < len(TRUE_S):
        now += 0.25 if 50.0 < now < 110.0 else 0.05  # a pause, then what can be done
        work = 4 if 50.0 < now < 110.0 else 100
        for _ in range(work):
            if i < len(TRUE_S) and TRUE_S[i] <= now:
                calls.append((now, 1))
                i += 1
    lateness_s = np.array([a for a, _ in calls]) - TRUE_S
    assert lateness_s.max() > 15.0
    times, gaps, revisions = _record(calls)
    assert gaps == [] and revisions == 0
    assert _offset_spread_s(times, TRUE_S) < 0.1


def test_a_loss_that_later_arrivals_disprove_is_taken_back():
    """Delivery slows to 90 % for 20 s (2 s behind), stays 2 s behind at the sender's pace for
    20 s (looks like a loss), then catches up: the loss is taken back, every time is right."""
    lateness_s = np.interp(TRUE_S, [0, 50, 70, 90, 92, 300], [0, 0, 2.0, 2.0, 0, 0])
    times, gaps, revisions = _record([(t + 0.01 + late, 1) for t, late in zip(TRUE_S, lateness_s)])
    assert revisions >= 2  # put in, then taken back
    assert gaps == []
    assert _offset_spread_s(times, TRUE_S) < 0.05


@pytest.mark.parametrize("rise_s", [0.3, 0.4])
def test_a_small_loss_that_later_arrivals_disprove_is_taken_back(rise_s):
    """Lateness rises by less than the tolerance (more than half of it) for 20 s, then falls
    back: the loss put in when the link kept pace is taken back, so no sample stays moved."""
    lateness_s = np.interp(TRUE_S, [0, 100, 100.01, 120, 122, 300], [0, 0, rise_s, rise_s, 0, 0])
    times, gaps, revisions = _record([(t + 0.01 + late, 1) for t, late in zip(TRUE_S, lateness_s)])
    assert revisions >= 2  # put in, then taken back
    assert gaps == []
    assert _offset_spread_s(times, TRUE_S) < 0.05


def test_a_busy_computer_replaying_fast_wanders_without_losing():
    """A replay at 20x on a busy computer: the host's pace wanders by a few real tenths of a
    second, seconds of session time, slowly up and down, with every sample delivered."""
    true_s = np.arange(0.0, 420.0, 0.05)
    rng = np.random.default_rng(RNG_SEED)
    wander_s = 1.5 * (1 - np.cos(true_s / 9.0)) + (1 - np.cos(true_s / 23.0))  # 0 to 5 s
    late_s = np.maximum.accumulate(true_s + wander_s + rng.gamma(2.0, 0.05, len(true_s)))
    times, gaps, _ = _record([(a, 1) for a in late_s], rate_hz=20.0, time_scale=20.0)
    assert gaps == []
    duration_s = true_s[-1] - true_s[0]
    assert abs((times[-1] - times[0]) - duration_s) < 0.01 * duration_s
    assert _offset_spread_s(times, true_s) < 0.5


def test_a_loss_hidden_behind_a_backlog_is_placed_once_the_link_keeps_pace():
    """A 1 s stall worked off in a burst, then 2 s of notifications lost: right after a
    backlog the shortfall counts as late, but a link that keeps the sensor's pace 2 s behind for
    30 s has lost them, and the gap goes where they were missing."""
    lost = (TRUE_S > 101.5) & (TRUE_S < 103.5)
    kept = TRUE_S[~lost]
    arrivals = np.where((kept > 100.0) & (kept < 101.0), 101.0, kept) + 0.01
    times, gaps, _ = _record([(a, 1) for a in arrivals])
    assert len(gaps) == 1
    offset = times[0] - kept[0]
    assert gaps[0][0] == pytest.approx(kept[np.searchsorted(kept, 101.5) - 1] + offset, abs=1e-6)
    assert gaps[0][1] - gaps[0][0] == pytest.approx(2.0 + PERIOD_S, abs=PERIOD_S / 2)
    np.testing.assert_allclose(times[-100:] - offset, kept[-100:], atol=1e-6)


@pytest.mark.parametrize("rate_error", [-0.01, 0.01])
def test_a_sensor_clock_off_its_nominal_rate_is_followed(rate_error):
    """A sensor 1 % slow looks like scattered losses, made up a whole sample at a time."""
    true_s = np.arange(0.0, 300.0, PERIOD_S * (1 + rate_error))
    times, gaps, _ = _record(_steady(true_s))
    assert gaps == []
    assert _offset_spread_s(times, true_s) < 2 * PERIOD_S


def test_jitter_is_removed_and_the_rate_kept():
    """Five samples a packet at 100 Hz, with bursty latency."""
    rng = np.random.default_rng(0)
    true_s = np.arange(0, 60, 0.01)
    calls = [(true_s[k + 4] + 0.02 + rng.gamma(2.0, 0.01), 5) for k in range(0, len(true_s), 5)]
    times, gaps, _ = _record(calls, rate_hz=100.0)
    assert gaps == [] and np.all(np.diff(times) > 0)
    assert np.median(np.diff(times)) == pytest.approx(0.01, rel=1e-6)
    assert _offset_spread_s(times, true_s) < 0.05  # a constant latency, not a wobbling rate


def test_a_dropout_is_a_gap_once_the_link_is_steady_again():
    """3 s of packets never arrive; the gap is placed where they were missing."""
    calls = [(0.1 * (k + 1), 5) for k in range(10)]  # 50 Hz, 5 samples a packet, to 1.0 s
    calls += [(4.1 + 0.1 * k, 5) for k in range(60)]
    times, gaps, _ = _record(calls, rate_hz=50.0)
    assert len(gaps) == 1
    assert gaps[0][0] == pytest.approx(1.0, abs=0.03)
    assert gaps[0][1] == pytest.approx(4.02, abs=0.03)
    assert times[-1] == pytest.approx(4.1 + 0.1 * 59, abs=0.01)


def test_a_reconnect_marks_even_a_short_outage():
    calls = [(0.1 * (k + 1), 5) for k in range(10)] + [(1.2, 5), (1.3, 5)]
    _, gaps, _ = _record(calls, rate_hz=50.0, resync_at=10)
    assert len(gaps) == 1  # only 0.1 s late: no gap by timing alone, but the link dropped
    assert gaps[0][0] == pytest.approx(1.0, abs=0.01)
    assert gaps[0][1] == pytest.approx(1.12, abs=0.01)


def test_falling_behind_real_time_is_said_once_and_so_is_catching_up():
    watch = LagWatch(behind_s=2.0)
    said = [(t, watch.update(lag, t)) for t, lag in [(0, 0.5), (1, 2.5), (2, 3.0), (3.5, 4.0)]]
    assert [t for t, m in said if m] == [3.5]  # more than 2 s late for 2 s
    assert "falling behind real time: samples arrive 4.0 s late" in said[-1][1]
    assert watch.update(5.0, 4.0) is None  # said once
    assert watch.update(1.5, 5.0) is None  # not yet caught up
    assert watch.update(0.5, 6.0) == "caught up with real time"
