"""The whole analysis of one session: samples in, states, holds and summary out."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from holdtrack.analysis.clean import FRAME_S, frames_make, timestamps_clean
from holdtrack.analysis.features import Features, features_imu, features_load, sample_noise
from holdtrack.analysis.holds import Hold, holds_find
from holdtrack.analysis.kinds import KindParams, kind_params
from holdtrack.analysis.schema import (
    DEFAULT_HOLD_TARGET_S,
    G_MS2,
    SENSOR_COLUMNS,
    STATES,
    infer_sensor_kind,
)
from holdtrack.analysis.states import states_classify
from holdtrack.analysis.summary import session_summarise

if TYPE_CHECKING:
    import pandas as pd

DETECTOR_VERSION = "6"
Samples = Mapping[str, np.ndarray]  # column name -> values, as a session's ``samples`` gives


@dataclass
class SessionAnalysis:
    """Result of :func:`session_process`."""

    sensor_kind: str
    holds: list[Hold]
    segments: list[dict[str, Any]]
    summary: dict[str, Any]
    gaps_s: list[tuple[float, float]]
    frame_t: np.ndarray  # frame centre times, s
    frame_state: np.ndarray  # state code per frame (index into STATES)
    features: Features | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The ``holdtrack analyze --json`` object (docs/analysis-json.md); never NaN or
        infinity, which JSON cannot carry (a value that is not finite becomes null)."""
        return _finite(
            {
                "holds": [h.to_dict() for h in self.holds],
                "segments": self.segments,
                "summary": self.summary,
                "gaps": [{"start_s": round(a, 2), "end_s": round(b, 2)} for a, b in self.gaps_s],
                "sensor_kind": self.sensor_kind,
                "detector_version": DETECTOR_VERSION,
            }
        )


def sample_columns(data: pd.DataFrame | Samples) -> dict[str, np.ndarray]:
    """Every column of a DataFrame or a mapping of columns as a numpy array (no copies)."""
    if isinstance(data, Mapping):
        return {str(c): np.asarray(v) for c, v in data.items()}
    return {str(c): data[c].to_numpy() for c in data.columns}


def session_features(
    data: pd.DataFrame | Samples, kind: str, history: Mapping[str, np.ndarray] | None = None
) -> Features:
    """Clean timestamps, frame the samples and compute the frame features for ``kind``.

    ``history`` describes samples seen earlier in the session, so that a window of a longer
    session is judged as the whole session would be: ``"load"`` (load sensors: one load a
    second) and, per IMU column, its :func:`block_noise`, or its noise itself (one value,
    ``"noise:<column>"``) when that is already known."""
    history = history or {}
    columns = sample_columns(data)
    t, tinfo = timestamps_clean(np.asarray(columns["time_s"], dtype=np.float64))
    values = [np.asarray(columns[c], dtype=np.float64) for c in SENSOR_COLUMNS[kind]]
    ft, fv, finfo = frames_make(t, values, FRAME_S)
    del t
    period = tinfo["sample_period_s"]
    spf = max(FRAME_S / period, 1.0) if np.isfinite(period) and period > 0 else 1.0
    feat = frame_features(ft, fv, finfo["gap"], kind, spf, values, history)
    feat.info.update({"gaps_s": finfo["gaps_s"], "t0": finfo["t0"], **tinfo})
    return feat


def frame_features(
    ft: np.ndarray,
    fv: np.ndarray,
    gap: np.ndarray,
    kind: str,
    spf: float,
    values: list[np.ndarray],
    history: Mapping[str, np.ndarray],
    steps: bool = True,
) -> Features:
    """Frame features of ``kind`` from frames (centres ``ft``, values ``fv`` in the kind's
    column order, ``gap`` flags) averaging ``spf`` samples each; ``values`` are the samples
    themselves, needed only for an IMU whose noise ``history`` does not know."""
    params = kind_params(kind)
    if params.is_motion_sensor:
        gyro = fv[:, 3:6] if params.has_gyro else None
        noise = imu_noise(values, spf, params, history)
        return features_imu(ft, fv[:, :3], gyro, gap, noise, steps)
    return features_load(ft, fv[:, 0], gap, kind, history.get("load"))


def imu_noise(
    values: list[np.ndarray],
    spf: float,
    params: KindParams,
    history: Mapping[str, np.ndarray] | None = None,
) -> dict[str, float]:
    """Per-frame sensor noise of an IMU: tilt (``acc_deg``) and, with a gyro, ``gyro_dps``.

    Measured on the raw sample columns (acc x, y, z, then gyro) and divided by sqrt(samples
    per frame), as framing averages.
    """
    noise = {
        "acc_deg": float(
            np.degrees(np.mean([_noise(values, i, history) for i in range(3)]) / G_MS2)
            / np.sqrt(spf)
        )
    }
    if params.has_gyro:
        g_noise = np.mean([_noise(values, i, history) for i in range(3, 6)])
        noise["gyro_dps"] = float(np.degrees(g_noise) / np.sqrt(spf))
    return noise


def _noise(values: list[np.ndarray], i: int, history: Mapping[str, np.ndarray] | None) -> float:
    """Sample noise of IMU column ``i``, judged with the blocks seen before (``history``)."""
    name = SENSOR_COLUMNS["imu"][i]
    known = (history or {}).get(f"noise:{name}")
    if known is not None:
        return float(known[0])
    return sample_noise(values[i], history=(history or {}).get(name))


def session_process(
    data: pd.DataFrame | Samples,
    sensor_kind: str | None = None,
    hold_target_s: float = DEFAULT_HOLD_TARGET_S,
) -> SessionAnalysis:
    """Analyse one session's samples (a DataFrame or column arrays, sample columns in SI
    units); holds of ``hold_target_s`` or more are adherent.

    Raises ValueError when there are too few samples or no sensor columns.
    """
    columns = sample_columns(data)
    kind = sensor_kind or infer_sensor_kind(columns)
    if len(next(iter(columns.values()), ())) < 2:
        raise ValueError("a session needs at least 2 samples")
    t_first, t_last = float(columns["time_s"][0]), float(columns["time_s"][-1])
    if not t_last - t_first > 0:
        raise ValueError("all samples share one timestamp; a session needs a time span")
    feat = session_features(columns, kind)
    codes, _ = states_classify(feat)
    edges = np.clip(feat.info["t0"] + np.arange(len(codes) + 1) * FRAME_S, t_first, t_last)
    holds, _ = holds_find(codes, feat, edges, hold_target_s)
    segments = segments_from_codes(codes, edges)
    summary = session_summarise(holds, segments, feat.info["gaps_s"], hold_target_s)
    return SessionAnalysis(
        sensor_kind=kind,
        holds=holds,
        segments=segments,
        summary=summary,
        gaps_s=feat.info["gaps_s"],
        frame_t=feat.t,
        frame_state=codes,
        features=feat,
    )


def segments_from_codes(codes: np.ndarray, edges_s: np.ndarray) -> list[dict[str, Any]]:
    """Contiguous state segments covering the session without overlap."""
    out: list[dict[str, Any]] = []
    if len(codes) == 0:
        return out
    change = np.flatnonzero(np.diff(codes)) + 1
    starts = np.concatenate([[0], change])
    ends = np.concatenate([change, [len(codes)]])
    for a, b in zip(starts.tolist(), ends.tolist()):
        s, e = float(edges_s[a]), float(edges_s[b])
        if e <= s:
            continue
        out.append({"start_s": round(s, 2), "end_s": round(e, 2), "state": STATES[int(codes[a])]})
    return out


def _finite(obj: Any) -> Any:
    """``obj`` with every float that is not finite replaced by None, at any depth."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(v) for v in obj]
    return obj
