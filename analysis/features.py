"""Per-frame features: how fast the ball moves, whether a body loads it, what it breathes.

Every sensor kind is reduced to the same small set of frame-rate arrays so that one state
classifier serves all of them:

- ``motion``: movement (IMUs: how far the contact point ranges, mm, over the stillest few
  seconds around the frame; force and pressure sensors: %/s of load change);
- ``path``: where the ball is, so that the net displacement of a short move can be measured
  (contact travel in mm from the gyroscope or the gravity direction, or relative load);
- ``body``: evidence of a body on the still ball (IMUs: breathing and tremor; else load);
- ``carried``: large linear accelerations of a ball carried in the hand (IMUs only);
- ``breath``: the channels in which breathing shows, for the breathing-rate step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from holdtrack.analysis.clean import (
    FRAME_S,
    least_covering,
    median,
    moving_mean,
    percentile,
    runs_find,
    window_range,
)
from holdtrack.analysis.kinds import (
    BALL_RADIUS_MM,
    SETTLED_FLANK_S,
    SETTLED_GAP_S,
    STEP_FLANK_S,
    STEP_GAP_S,
    STEP_RUN_S,
    KindParams,
    kind_params,
)
from holdtrack.analysis.steps import contact_speed, slow_step

LEVEL_WINDOW_S = 30.0  # load sensors: the loaded level is a slow mean over this long
LOAD_FLOOR_SHARE = 0.15  # load sensors: loaded above this share of the high (98th pct) load
LOAD_SPAN_PERCENTILE = 98.0
# Body evidence: breathing is slow, so the still-ball signal is smoothed over 1 s (sensor noise
# falls by sqrt(10), breathing hardly at all) and compared with that smoothed noise.
BODY_SMOOTH_FRAMES = 10
BODY_WINDOW_S = 12.0  # longer than the slowest breath
BODY_SERIES_WINDOW_S = 4.0  # default window of the local body evidence per frame
BODY_NOISE_K = 3.0
BODY_NOISE_DEFAULT = 0.01  # per-frame sensor noise assumed when none was measured (deg/s, deg)
BODY_MIN_REAL_FRAMES = 10  # fewer real frames than this show no breathing: no evidence
_SMOOTH_GAIN = float(np.sqrt(BODY_SMOOTH_FRAMES))
# A carried ball: |a| swings far from g at walking cadence.
CARRIED_LIN_ACC_MS2 = 0.8  # linear acceleration (RMS over 1 s) of a ball in the hand
CARRIED_RMS_FRAMES = 10
CARRIED_SHARE_FRAMES = 20  # over 2 s, ...
CARRIED_MIN_SHARE = 0.3  # ... more than 30 % of the frames above it
GAP_TILT_FRAMES = 5  # IMUs: the gravity direction either side of a gap, mean over 0.5 s
# Net displacement of a load sensor: flanks of 2 spans, medians so breathing peaks do not count.
LOAD_FLANK_SPANS = 2


@dataclass
class Features:
    """Frame-rate features of one session (see module docstring); ``kind`` picks the params."""

    kind: str
    t: np.ndarray
    gap: np.ndarray
    motion: np.ndarray  # mm (IMUs) or %/s (load sensors); movement above params.motion_on
    path: np.ndarray  # (n, k)
    body_src: np.ndarray  # (n, k) channels in which a body on a still ball shows
    body_scale: float  # body_src variation that separates loaded from idle
    carried: np.ndarray
    breath: np.ndarray  # (n, k) channels for breathing
    load_rel: np.ndarray | None  # load / loaded level (force, pressure), else None
    step: np.ndarray | None = None  # IMUs: the contact's step to a new spot per frame, mm
    speed: np.ndarray | None = None  # IMUs: the contact's speed over about a second, mm/s
    settled_step: np.ndarray | None = None  # IMUs: step between settled levels (8 s means), mm
    slow_step: np.ndarray | None = None  # IMUs: ``step`` where it was made slowly, else 0
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def params(self) -> KindParams:
        """The thresholds and rules of this session's sensor kind."""
        return kind_params(self.kind)

    def body_evidence(self, a: int, b: int) -> float:
        """Evidence of a body on the ball over still frames [a, b); above 1 means loaded.

        Breathing and tremor (IMUs): the median over the run of the local level (so a brief
        turn while the ball is set down does not count), in units of ``body_scale``. Loaded
        share (force, pressure): twice the share of loaded frames.
        """
        ok = ~self.gap[a:b]
        if self.params.body_evidence == "loaded_share":
            x = self.body_src[a:b][ok]
            return 2.0 * float(x.mean()) if len(x) else 0.0
        if int(ok.sum()) < BODY_MIN_REAL_FRAMES:
            return 0.0
        return median(self.body_series(a, b, BODY_WINDOW_S)[ok])

    def body_series(self, a: int, b: int, window_s: float = BODY_SERIES_WINDOW_S) -> np.ndarray:
        """Local body evidence per frame of [a, b) over a sliding window (units as above)."""
        return body_series(self.body_src[a:b], self.body_scale, self.params, window_s)

    def net_change(self, a: int, b: int, span: int = 10) -> float:
        """Net displacement between the frames just before ``a`` and just after ``b``.

        Contact travel in mm for IMUs; fraction of the load level for load sensors.
        """
        if self.params.path_kind == "load_rel":
            return self._load_dip(a, b, span)
        n = len(self.t)
        pre = self.path[max(a - span, 0) : max(a, 1)].mean(axis=0)
        post = self.path[min(b, n - 1) : min(b + span, n)].mean(axis=0)
        return float(np.linalg.norm(post - pre))

    def _load_dip(self, a: int, b: int, span: int) -> float:
        """Deepest load in [a, b) or its flanks below the higher load held before or after.

        A new spot often takes a new load, so the higher flank is the reference and a move from
        a lower load counts from there; the flanks are medians over ``LOAD_FLANK_SPANS`` spans,
        so a breathing peak does not pose as the load."""
        assert self.load_rel is not None
        n = len(self.t)
        flank = LOAD_FLANK_SPANS * span
        pre_m = float(np.median(self.load_rel[max(a - flank, 0) : max(a, 1)]))
        post_m = float(np.median(self.load_rel[min(b, n - 1) : min(b + flank, n)]))
        level = max(pre_m, post_m)
        inside = self.load_rel[a:b]
        if len(inside) == 0 or level <= 0:
            return 0.0
        return float(max(level - min(float(inside.min()), pre_m, post_m), 0.0) / level)


def body_series(
    body_src: np.ndarray, body_scale: float, params: KindParams, window_s: float
) -> np.ndarray:
    """Per frame of ``body_src``, the body evidence over a sliding ``window_s`` (above 1:
    loaded): the smoothed channels' spread about their slow mean in units of ``body_scale``,
    or twice the loaded flag (force, pressure)."""
    if params.body_evidence == "loaded_share":
        return 2.0 * body_src[:, 0]
    win = max(int(window_s / FRAME_S), 3)
    x = moving_mean(body_src, min(BODY_SMOOTH_FRAMES, win // 2))
    resid = x - moving_mean(x, win)
    return np.sqrt(moving_mean((resid**2).sum(axis=1), win)) / body_scale


def carried_flags(acc: np.ndarray) -> np.ndarray:
    """Frames of a ball carried in the hand: large linear accelerations much of the time."""
    amag = np.sqrt((acc * acc).sum(axis=1))
    lin = np.sqrt(moving_mean((amag - median(amag)) ** 2, CARRIED_RMS_FRAMES))
    share = moving_mean((lin > CARRIED_LIN_ACC_MS2).astype(float), CARRIED_SHARE_FRAMES)
    return share > CARRIED_MIN_SHARE


def contact_travel(path_mm: np.ndarray, window_s: float) -> np.ndarray:
    """Per frame, the least range (mm) the contact keeps over any ``window_s`` window holding
    the frame: small through breathing and sway, centimetres through rolling."""
    n = max(int(round(window_s / FRAME_S)), 1)
    spread = np.sqrt((window_range(path_mm, n) ** 2).sum(axis=1))
    last = len(spread) - n  # the last window the session's end does not cut short
    if last >= 0:
        spread[last + 1 :] = spread[last]
    return least_covering(spread, n)


def contact_step(path_mm: np.ndarray, flank_s: float, gap_s: float) -> np.ndarray:
    """Per frame, how far (mm) the contact's mean over ``flank_s`` after the frame lies from its
    mean over ``flank_s`` before it, leaving ``gap_s`` out on each side: a move to a new spot.

    Averaging over the flanks leaves breathing out, so a step of a few millimetres shows.
    Frames without whole flanks (the session's ends) read 0.
    """
    k, g = _flank_frames(flank_s, gap_s)
    out = np.zeros(len(path_mm))
    sums = _flank_sums(path_mm, k, g)
    if sums is not None:
        diff = sums[1] - sums[0]
        out[g + k : len(path_mm) - g - k + 1] = np.sqrt((diff**2).sum(axis=1)) / k
    return out


def _flank_frames(flank_s: float, gap_s: float) -> tuple[int, int]:
    """Frames in a flank (at least one) and in the gap left out beside the move."""
    return max(int(round(flank_s / FRAME_S)), 1), int(round(gap_s / FRAME_S))


def _flank_sums(x: np.ndarray, k: int, g: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Sums of ``x`` over the ``k`` frames before and after each frame with whole flanks
    (frames g + k to n - g - k), ``g`` frames left out each side; None when no frame has."""
    n = len(x)
    m = n - 2 * (g + k) + 1
    if m <= 0:
        return None
    total = np.cumsum(x, axis=0)
    c = np.concatenate([np.zeros((1,) + x.shape[1:], dtype=total.dtype), total])
    return c[k : k + m] - c[:m], c[2 * g + 2 * k :] - c[2 * g + k : n - k + 1]


def still_step(
    path_mm: np.ndarray, motion: np.ndarray, still_mm: float, flank_s: float, gap_s: float
) -> np.ndarray:
    """:func:`contact_step` where both flanks are a still ball (``motion`` under ``still_mm``),
    else 0: beside rolling, the flanks' means differ whether or not the ball found a new spot."""
    step = contact_step(path_mm, flank_s, gap_s)
    k, g = _flank_frames(flank_s, gap_s)
    sums = _flank_sums(motion > still_mm, k, g)
    if sums is not None:
        step[g + k : len(path_mm) - g - k + 1] *= (sums[0] == 0) & (sums[1] == 0)
    return step


def _rotation_path(
    gyro: np.ndarray, u: np.ndarray, gap: np.ndarray, bias: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Contact path (mm, integrated rotation times the radius) and body channels (deg/s);
    ``bias``: the gyroscope's zero, if known (else the median rate).

    Rates filled in across a data gap are not integrated: the ball's turn over the gap is read
    from the gravity direction either side instead (all of it but the turn about vertical).
    """
    if bias is None:
        bias = gyro_bias(gyro, gap)
    w = gyro - bias
    w[gap] = 0.0
    inc = w * (FRAME_S * BALL_RADIUS_MM)
    n = len(u)
    for a, b in runs_find(gap):
        if a == 0 or b >= n:
            continue
        before = u[max(a - GAP_TILT_FRAMES, 0) : a].mean(axis=0)
        after = u[b : b + GAP_TILT_FRAMES].mean(axis=0)
        # A turn by the rotation vector r moves gravity, in the ball's frame, by -r x u.
        inc[b] += np.cross(after - before, (after + before) / 2) * BALL_RADIUS_MM
    return np.cumsum(inc, axis=0), np.degrees(w)


def gyro_bias(gyro: np.ndarray, gap: np.ndarray) -> np.ndarray:
    """The gyroscope's zero: the median rate per axis over frames that are no gap."""
    return np.median(gyro[~gap] if (~gap).any() else gyro, axis=0)


def contact_path(
    acc: np.ndarray, gyro: np.ndarray | None, gap: np.ndarray, bias: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """An IMU's contact path (mm) and the channels a body on the still ball shows in: the
    integrated gyroscope (deg/s, zero at ``bias`` if given) where there is one, else the
    gravity direction (deg)."""
    u = acc / np.maximum(np.sqrt((acc * acc).sum(axis=1)), 1e-9)[:, None]
    if gyro is not None:
        return _rotation_path(gyro, u, gap, bias)
    return u * BALL_RADIUS_MM, np.degrees(u)


def body_scale_of(params: KindParams, noise: dict[str, float]) -> float:
    """The variation of an IMU's body channels that separates a loaded ball from an idle one:
    well above the smoothed per-frame sensor ``noise``."""
    key = params.body_noise_key or ""
    return (
        BODY_NOISE_K * noise.get(key, BODY_NOISE_DEFAULT) / _SMOOTH_GAIN + params.body_scale_floor
    )


def features_imu(
    t: np.ndarray,
    acc: np.ndarray,
    gyro: np.ndarray | None,
    gap: np.ndarray,
    noise: dict[str, float],
    steps: bool = True,
) -> Features:
    """Features for an IMU in the ball: kind "imu" with a gyroscope, "accel" without; without
    ``steps``, not the steps and speed that only the whole-session rules use."""
    params = kind_params("imu" if gyro is not None else "accel")
    bias = gyro_bias(gyro, gap) if gyro is not None else None
    path, body_src = contact_path(acc, gyro, gap, bias)
    assert params.travel_window_s is not None
    motion = contact_travel(path, params.travel_window_s)
    step = settled_step = speed = slow = None
    if steps:
        step = still_step(path, motion, params.motion_on, STEP_FLANK_S, STEP_GAP_S)
        slow = slow_step(path, step, STEP_RUN_S)
        settled_step = still_step(path, motion, params.motion_on, SETTLED_FLANK_S, SETTLED_GAP_S)
        speed = contact_speed(path)
    carried = carried_flags(acc) if params.detects_carried else np.zeros(len(t), dtype=bool)
    return Features(
        kind=params.name,
        t=t,
        gap=gap,
        motion=motion,
        path=path,
        body_src=body_src,
        body_scale=body_scale_of(params, noise),
        carried=carried,
        breath=acc,
        load_rel=None,
        step=step,
        speed=speed,
        settled_step=settled_step,
        slow_step=slow,
        info={"samples_noise": noise, "gyro_bias": bias},
    )


def _load_floor(
    x: np.ndarray, params: KindParams, history: np.ndarray | None = None
) -> tuple[np.ndarray, float, float]:
    """Load above the unloaded baseline, its high (98th pct) span and the loaded floor; with
    ``history`` (earlier loads, one a second) the levels are those of the whole session."""
    seen = x if history is None or len(history) == 0 else np.concatenate([history, x[::10]])
    if params.load_baseline_s is not None:
        # The unloaded ball: the lowest mean over any such stretch, so that a second of
        # unloaded ball in an hour is enough, and a noise spike is not.
        base = float(moving_mean(x, max(int(round(params.load_baseline_s / FRAME_S)), 1)).min())
        if history is not None and len(history):
            base = min(base, float(history.min()))
        x, seen = x - base, seen - base
    span = percentile(seen, LOAD_SPAN_PERCENTILE)
    floor = max(LOAD_FLOOR_SHARE * span, params.load_floor_min)
    return x, span, floor


def features_load(
    t: np.ndarray,
    load: np.ndarray,
    gap: np.ndarray,
    kind: str,
    history: np.ndarray | None = None,
) -> Features:
    """Features for a force sensor (N) or an inflatable-ball barometer (Pa)."""
    params = kind_params(kind)
    x, span, floor = _load_floor(np.asarray(load, dtype=np.float64), params, history)
    loaded = x > floor
    # Loaded level: slow mean of the loaded frames only, to express changes as fractions.
    win = int(LEVEL_WINDOW_S / FRAME_S)
    weight = moving_mean(loaded.astype(float), win)
    lv = moving_mean(np.where(loaded, x, 0.0), win) / np.maximum(weight, 1e-9)
    lv = np.where(weight > 0, lv, max(span, floor))
    rel = x / np.maximum(lv, floor)
    # Motion: moving standard deviation of the relative load, in percent (a band filter slow
    # enough for slow rolling would ring for ~20 s).
    win = params.motion_smooth_frames
    mean = moving_mean(rel, win)
    motion = np.sqrt(np.maximum(moving_mean(rel**2, win) - mean**2, 0.0)) * 100.0
    return Features(
        kind=kind,
        t=t,
        gap=gap,
        motion=np.where(loaded, motion, 0.0),
        path=rel[:, None],
        body_src=loaded.astype(float)[:, None],
        body_scale=1.0,
        carried=np.zeros(len(t), dtype=bool),
        breath=rel[:, None],
        load_rel=rel,
        info={"load_floor": floor, "load_span": span},
    )


def sample_noise(values: np.ndarray, block: int = 256, history: np.ndarray | None = None) -> float:
    """White-noise standard deviation per sample, from first differences in the quietest blocks.

    Tremor and breathing of a loaded ball also show in first differences; the quietest blocks
    (typically the ball lying unloaded before a session) show the sensor alone. ``history``:
    :func:`block_noise` of samples seen before these, judged together with them.
    """
    blocks = block_noise(values, block)
    if history is not None and len(history):
        blocks = np.concatenate([history, blocks])
    return noise_of_blocks(blocks, values)


def noise_of_blocks(blocks: np.ndarray, values: np.ndarray) -> float:
    """The noise the quietest of :func:`block_noise`'s ``blocks`` show; with fewer than four,
    the spread of the first differences of ``values`` instead."""
    if len(blocks) >= 4:
        return percentile(blocks, 5)
    d = np.diff(np.asarray(values, dtype=np.float64))
    if len(d) == 0:
        return 0.0
    mad = np.median(np.abs(d - np.median(d)))
    return float(1.4826 * mad / np.sqrt(2))


def block_noise(values: np.ndarray, block: int = 256) -> np.ndarray:
    """Per block of ``block`` first differences, the noise they show (RMS / sqrt 2)."""
    d = np.diff(np.asarray(values, dtype=np.float64))
    n_blocks = len(d) // block
    if n_blocks == 0:
        return np.empty(0)
    blocks = d[: n_blocks * block].reshape(n_blocks, block)
    mean = blocks.sum(axis=1) / block  # variance as mean square less squared mean: no copy
    var = np.einsum("ij,ij->i", blocks, blocks) / block - mean * mean
    return np.sqrt(np.maximum(var, 0.0) / 2.0)
