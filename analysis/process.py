"""The whole analysis of one session: samples in, states, holds and summary out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analysis.clean import FRAME_S, frames_make, timestamps_clean
from analysis.columns import SENSOR_COLUMNS, infer_sensor_kind
from analysis.features import Features, G, features_imu, features_load, sample_noise
from analysis.holds import Hold, holds_find
from analysis.states import STATES, states_classify
from analysis.summary import session_summarise

DETECTOR_VERSION = "1"


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
        """The ``holdtrack analyze --json`` object (SPEC section 3)."""
        return {
            "holds": [h.to_dict() for h in self.holds],
            "segments": self.segments,
            "summary": self.summary,
            "gaps": [{"start_s": round(a, 2), "end_s": round(b, 2)} for a, b in self.gaps_s],
            "sensor_kind": self.sensor_kind,
            "detector_version": DETECTOR_VERSION,
        }


def session_features(data: pd.DataFrame, kind: str) -> Features:
    """Clean timestamps, frame the samples and compute the frame features for ``kind``."""
    t_raw = data["time_s"].to_numpy(np.float64)
    t, tinfo = timestamps_clean(t_raw)
    cols = SENSOR_COLUMNS[kind]
    values = data.loc[:, list(cols)].to_numpy(np.float64)
    ft, fv, finfo = frames_make(t, values, FRAME_S)
    gap = finfo["gap"]
    period = tinfo["sample_period_s"]
    spf = max(FRAME_S / period, 1.0) if np.isfinite(period) and period > 0 else 1.0
    if kind in ("imu", "accel"):
        noise = {
            "acc_deg": float(
                np.degrees(np.mean([sample_noise(values[:, i]) for i in range(3)]) / G)
                / np.sqrt(spf)
            )
        }
        gyro = None
        if kind == "imu":
            gyro = fv[:, 3:6]
            g_noise = np.mean([sample_noise(values[:, i]) for i in range(3, 6)])
            noise["gyro_dps"] = float(np.degrees(g_noise) / np.sqrt(spf))
        feat = features_imu(ft, fv[:, :3], gyro, gap, noise)
    else:
        feat = features_load(ft, fv[:, 0], gap, kind)
    feat.info.update({"gaps_s": finfo["gaps_s"], "t0": finfo["t0"], **tinfo})
    return feat


def session_process(data: pd.DataFrame, sensor_kind: str | None = None) -> SessionAnalysis:
    """Analyse one session's samples (SPEC section 2 columns, SI units).

    Raises ValueError when there are too few samples or no sensor columns.
    """
    kind = sensor_kind or infer_sensor_kind(data.columns)
    if len(data) < 2:
        raise ValueError("a session needs at least 2 samples")
    span_s = float(data["time_s"].iloc[-1] - data["time_s"].iloc[0])
    if not span_s > 0:
        raise ValueError("all samples share one timestamp; a session needs a time span")
    feat = session_features(data, kind)
    codes, _ = states_classify(feat)
    t_first = float(data["time_s"].iloc[0])
    t_last = float(data["time_s"].iloc[-1])
    edges = np.clip(feat.info["t0"] + np.arange(len(codes) + 1) * FRAME_S, t_first, t_last)
    holds, _ = holds_find(codes, feat, edges)
    segments = segments_from_codes(codes, edges)
    summary = session_summarise(holds, segments, feat.info["gaps_s"])
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
