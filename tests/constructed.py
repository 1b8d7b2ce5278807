"""Constructed inputs for the stage tests: features with known content, no simulator."""

from __future__ import annotations

import numpy as np

from holdtrack.analysis.features import Features

FPS = 10.0  # analysis frames per second


def path_features(kind: str, path: np.ndarray) -> Features:
    """Features whose only content is the ball's position ``path`` (deg, direction or load)."""
    n = len(path)
    path2 = path if path.ndim == 2 else path[:, None]
    return Features(
        kind=kind,
        t=np.arange(n) / FPS,
        gap=np.zeros(n, dtype=bool),
        motion=np.zeros(n),
        path=path2,
        body_src=np.ones((n, 1)),
        body_scale=1.0,
        carried=np.zeros(n, dtype=bool),
        breath=path2,
        load_rel=path if kind in ("force", "pressure") else None,
    )
