"""Sharper hold edges: where the ball's position first leaves the hold's own range.

The movement feature is smoothed over a second or more, which blurs the edges of holds; the
position itself (gravity direction or load) changes sharply when movement starts. Kinds whose
edges are sharp already (``refine_edges`` false in the kinds table) are left alone.
"""

from __future__ import annotations

import numpy as np

from holdtrack.analysis.clean import FRAME_S, runs_find
from holdtrack.analysis.features import Features
from holdtrack.analysis.runs import Label, Run

MIN_REF_S = 2.0  # the reference stretch is at least this long
EDGE_BAND_GAIN = 1.2  # the reference's own spread (breathing) is widened by this factor
CLEAR_EXIT_GAIN = 2.0  # a departure this many times the range is the ball leaving for good


def departure(feat: Features, ref: np.ndarray, a: int, b: int) -> np.ndarray:
    """How far frames [a, b) are from a reference position (mm, or fraction of load)."""
    return np.linalg.norm(feat.path[a:b] - ref, axis=1)


def first_exit(feat: Features, ref_a: int, ref_b: int, frames: np.ndarray) -> int | None:
    """The first of ``frames`` (in order) where the ball leaves the range of [ref_a, ref_b).

    The range is the reference stretch's own spread (breathing) with the kind's edge margin;
    the edge is where the rise that leaves it began.
    The reference lies just inside the edge, so slow load swings and sinking do not pose as
    movement.
    """
    ref = feat.path[ref_a:ref_b].mean(axis=0)
    band = departure(feat, ref, ref_a, ref_b).max() * EDGE_BAND_GAIN + feat.params.edge_margin
    if len(frames) == 0:
        return None
    lo, hi = int(frames.min()), int(frames.max()) + 1
    dep = departure(feat, ref, lo, hi)[frames - lo]
    first = departure_start(dep, band, feat.params.edge_blip_s)
    if first is None:
        return None
    # The ball began to leave where this rise out of the range began.
    k = first
    while feat.params.edge_backtrack and k > 0 and dep[k - 1] < dep[k]:
        k -= 1
    return int(frames[min(k + 1, first)]) if k < first else int(frames[k])


def departure_start(dep: np.ndarray, band: float, blip_s: float) -> int | None:
    """Where the ball leaves the range: the first stretch above ``band`` that lasts over
    ``blip_s`` or reaches ``CLEAR_EXIT_GAIN`` times it. A blip that comes straight back (a deep
    breath, the path's jump over a short loss of gyroscope data) is not the edge."""
    longest = int(round(blip_s / FRAME_S))
    for a, b in runs_find(dep > band):
        if b - a > longest or b == len(dep) or dep[a:b].max() > CLEAR_EXIT_GAIN * band:
            return int(a)
    return None


def edges_refine(runs: list[Run], feat: Features) -> None:
    """Move each hold edge (in place) to where the ball first leaves the hold's own range.

    Only edges next to a run with data, of holds long enough to hold both reference stretches.
    """
    if not feat.params.refine_edges:
        return
    fps = 1.0 / FRAME_S
    w = int(feat.params.edge_search_s * fps)
    n = len(feat.t)
    for i, r in enumerate(runs):
        r1 = min(int(feat.params.edge_ref_s[1] * fps), r.frames // 2)
        if r.label != Label.HOLD:
            continue
        if i + 1 < len(runs) and runs[i + 1].label != Label.GAP:
            r0 = ref_start(feat, runs[i + 1].label)
            if r1 - r0 >= MIN_REF_S * fps:
                stop = min(r.b + w, runs[i + 1].b - 1, n)
                k = first_exit(feat, r.b - r1, r.b - r0, np.arange(r.b - r0, stop))
                if k is not None:
                    r.b = runs[i + 1].a = k
        if i > 0 and runs[i - 1].label != Label.GAP:
            r0 = ref_start(feat, runs[i - 1].label)
            if r1 - r0 >= MIN_REF_S * fps:
                stop = max(r.a - w, runs[i - 1].a + 1, 0)
                k = first_exit(feat, r.a + r0, r.a + r1, np.arange(r.a + r0 - 1, stop - 1, -1))
                if k is not None:
                    r.a = runs[i - 1].b = k + 1


def ref_start(feat: Features, beside: Label) -> int:
    """Frames from the provisional edge to the start of the hold's reference stretch: farther
    beside an idle ball, whose edge the body's fading signal places late."""
    s = feat.params.edge_ref_idle_s if beside == Label.IDLE else feat.params.edge_ref_s[0]
    return int(s / FRAME_S)
