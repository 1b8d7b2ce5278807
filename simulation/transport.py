"""The radio between sensor and host: packets, arrival jitter, clock drift, loss and dropouts."""

from __future__ import annotations

import numpy as np

from holdtrack.simulation.config import SimConfig


def transport_apply(
    rng: np.random.Generator, t_true: np.ndarray, cfg: SimConfig, fs: float
) -> tuple[np.ndarray, np.ndarray, list[tuple[float, float]]]:
    """BLE packets: keep-mask and file timestamps per sample, plus the true dropouts."""
    n = len(t_true)
    per = cfg.samples_per_packet or int(rng.integers(1, 9))
    loss = cfg.packet_loss if cfg.packet_loss is not None else float(rng.uniform(0, 0.03))
    drops = cfg.dropouts_per_min if cfg.dropouts_per_min is not None else float(rng.uniform(0, 0.4))
    mode = cfg.timestamps or ("device" if rng.random() < 0.5 else "packet")
    pkt = np.arange(n) // per
    n_pkt = int(pkt[-1]) + 1
    keep_pkt = rng.random(n_pkt) >= loss
    gaps: list[tuple[float, float]] = []
    duration = t_true[-1]
    for _ in range(rng.poisson(drops * duration / 60)):
        g0 = rng.uniform(5, max(duration - 10, 6))
        glen = rng.uniform(0.5, 3.0) if rng.random() < 0.7 else rng.uniform(3.0, 5.0)
        gaps.append((g0, g0 + glen))
        pkt_t = t_true[np.minimum(np.arange(n_pkt) * per, n - 1)]
        keep_pkt &= ~((pkt_t >= g0) & (pkt_t < g0 + glen))
    keep = keep_pkt[pkt]
    drift = 1 + rng.normal(0, 30e-6)
    if mode == "device":
        ts = t_true * drift
    else:
        last = np.minimum((np.arange(n_pkt) + 1) * per - 1, n - 1)
        arrival = t_true[last] * drift + 0.02 + rng.gamma(2.0, 0.008, n_pkt)
        arrival = np.maximum.accumulate(arrival)  # notifications arrive in order
        ts = arrival[pkt]
    return keep, ts, gaps
