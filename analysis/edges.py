"""Sharper hold edges: where the ball's position first leaves the hold's own range.

The movement feature is smoothed over a second or more, which blurs the edges of holds; the
position itself (gravity direction or load) changes sharply when movement starts. Kinds whose
edges are sharp already (``refine_edges`` false in the kinds table) are left alone.
"""

from __future__ import annotations

import numpy as np

from holdtrack.analysis.clean import FRAME_S
from holdtrack.analysis.features import Features
from holdtrack.analysis.runs import Label, Run

EDGE_SEARCH_S = 3.0  # an edge moves at most this far, and only holds 3x as long are refined
EDGE_REF_S = (1.5, 5.0)  # reference stretch, this far inside the provisional edge
EDGE_BAND_GAIN = 1.2  # the reference's own spread (breathing) is widened by this factor


def departure(feat: Features, ref: np.ndarray, a: int, b: int) -> np.ndarray:
    """How far frames [a, b) are from a reference position (degrees, or fraction of load)."""
    p = feat.path[a:b]
    if feat.params.path_kind == "gravity_direction":
        c = p @ ref / (np.linalg.norm(p, axis=1) * np.linalg.norm(ref) + 1e-12)
        return np.degrees(np.arccos(np.clip(c, -1.0, 1.0)))
    return np.linalg.norm(p - ref, axis=1)


def first_exit(feat: Features, ref_a: int, ref_b: int, frames: np.ndarray) -> int | None:
    """The first of ``frames`` (in order) where the ball leaves the range of [ref_a, ref_b).

    The range is the reference stretch's own spread (breathing) with the kind's edge margin.
    The reference lies just inside the edge, so slow load swings and sinking do not pose as
    movement.
    """
    ref = feat.path[ref_a:ref_b].mean(axis=0)
    band = departure(feat, ref, ref_a, ref_b).max() * EDGE_BAND_GAIN + feat.params.edge_margin
    if len(frames) == 0:
        return None
    lo, hi = int(frames.min()), int(frames.max()) + 1
    dep = departure(feat, ref, lo, hi)[frames - lo]
    out = np.flatnonzero(dep > band)
    return int(frames[out[0]]) if len(out) else None


def edges_refine(runs: list[Run], feat: Features) -> None:
    """Move each hold edge (in place) to where the ball first leaves the hold's own range.

    Only edges next to a run with data, of holds at least three search spans long.
    """
    if not feat.params.refine_edges:
        return
    fps = 1.0 / FRAME_S
    w = int(EDGE_SEARCH_S * fps)
    r0, r1 = (int(x * fps) for x in EDGE_REF_S)
    n = len(feat.t)
    for i, r in enumerate(runs):
        if r.label != Label.HOLD or r.frames < 3 * w:
            continue
        if i + 1 < len(runs) and runs[i + 1].label != Label.GAP:
            stop = min(r.b + w, runs[i + 1].b - 1, n)
            k = first_exit(feat, r.b - r1, r.b - r0, np.arange(r.b - r0, stop))
            if k is not None:
                r.b = runs[i + 1].a = k
        if i > 0 and runs[i - 1].label != Label.GAP:
            stop = max(r.a - w, runs[i - 1].a + 1, 0)
            k = first_exit(feat, r.a + r0, r.a + r1, np.arange(r.a + r0 - 1, stop - 1, -1))
            if k is not None:
                r.a = runs[i - 1].b = k + 1
