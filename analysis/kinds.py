"""Every per-sensor-kind number and rule of the detector, in one table.

The detector serves four sensor kinds with one state machine; what differs between them is
here: thresholds and windows (named with their units), how the ball's position is measured,
which evidence says a body is on the ball, how breathing and steadiness are read. Quantities
whose unit depends on the kind have one field per unit (e.g. ``motion_on_deg_s`` for IMUs,
``motion_on_pct_s`` for load sensors); the other is None, and a property of the same name
without the unit (``motion_on``) gives the kind's own value.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from holdtrack.analysis.schema import SENSOR_KINDS

# How a kind measures where the ball is (``Features.path``), which sets how displacement is read:
# "rotation_mm": integrated gyroscope rotation as contact travel, mm (Euclidean distance);
# "gravity_mm": gravity direction times the ball radius, mm (the tilt part of contact travel);
# "load_rel": load / loaded level (the deepest dip of the load, a fraction).
PathKind = Literal["rotation_mm", "gravity_mm", "load_rel"]
# Contact travel is rotation times the ball's radius; unless told otherwise, a 6.5 cm ball.
BALL_RADIUS_MM = 32.5
# What says a body is on a still ball: "breathing_tremor" (IMUs: the local level of breathing
# and tremor against sensor noise) or "loaded_share" (load sensors: the share of loaded frames).
BodyEvidence = Literal["breathing_tremor", "loaded_share"]
BreathingMethod = Literal["tilt", "load"]
# Steadiness components: (name, weight, typical value in a hold).
SteadinessPart = tuple[str, float, float]


def _either(name: str, a: float | None, b: float | None) -> float:
    """The one of a pair of unit-named fields that is set (the kind's own unit)."""
    if (a is None) == (b is None):
        raise ValueError(f"exactly one unit of {name} must be set")
    return a if a is not None else b  # type: ignore[return-value]


@dataclass(frozen=True)
class KindParams:
    """Thresholds, windows and evidence rules of one sensor kind (see module docstring)."""

    name: str
    # Structure: motion sensors (IMUs) get rotation/tilt features, others load features.
    is_motion_sensor: bool
    has_gyro: bool
    path_kind: PathKind
    detects_carried: bool  # large linear accelerations mark a ball carried in the hand
    # Movement: motion above the threshold is movement. IMUs: the contact's travel, the least
    # range (mm) of any ``travel_window_s`` window holding the frame; load sensors: %/s.
    motion_on_mm: float | None
    motion_on_pct_s: float | None
    motion_smooth_frames: int  # load sensors: frames the load's spread is taken over
    motion_window_s: float  # how much longer than the move a movement run looks (smoothing)
    travel_window_s: float | None  # IMUs: the window the contact's range is measured over
    # Reposition: a short move that displaces the ball this much (else a micro-adjustment).
    reposition_min_mm: float | None
    reposition_min_load_dip: float | None  # fraction of the held load
    # IMUs: also a reposition where the settled levels either side of a move (8 s means of a
    # still ball) differ by this much: long means leave most of deep breathing out.
    settled_step_min_mm: float | None
    # IMUs: also a reposition where a step made slowly (over ~2 s: a shift of weight, not a
    # micro-adjustment) reaches this much (analysis/steps.py).
    slow_step_min_mm: float | None
    micro_speed_mm_s: float | None  # IMUs: a small move inside a hold is faster than this
    # Hold edges: moved to where the position leaves the hold's range (plus this margin).
    refine_edges: bool
    edge_search_s: float  # an edge moves at most this far
    edge_ref_s: tuple[float, float]  # the hold's own range: this far inside the edge
    edge_ref_idle_s: float  # ... beside an idle ball, the reference starts this far inside
    edge_backtrack: bool  # the edge is where the rise out of the range began (else its end)
    edge_blip_s: float  # shorter excursions out of the range that come straight back (a deep
    # breath; the integrated path jumping over a short gyroscope loss) are no edge
    edge_margin_mm: float | None
    edge_margin_load_frac: float | None
    # Body on the ball.
    body_evidence: BodyEvidence
    body_noise_key: str | None  # which measured sample noise sets the body scale
    body_scale_floor_deg_s: float | None  # added to the noise-derived scale (gyro)
    body_scale_floor_deg: float | None  # added to the noise-derived scale (tilt)
    # Load sensors: unloaded floor and baseline.
    load_floor_min_n: float | None
    load_floor_min_pa: float | None
    load_baseline_s: float | None  # lowest mean over this long is subtracted (absolute pressure)
    # Breathing and steadiness of holds.
    breathing_method: BreathingMethod
    tremble_band_hz: tuple[float, float]
    steadiness_parts: tuple[SteadinessPart, ...]

    def __post_init__(self) -> None:
        """Check that each unit-named pair has exactly one member set."""
        floor = "body_scale_floor" if self.is_motion_sensor else "load_floor_min"
        for prop in ("motion_on", "reposition_min", "edge_margin", floor):
            getattr(self, prop)  # raises ValueError unless exactly one unit is set

    @property
    def motion_on(self) -> float:
        """Movement threshold in the kind's motion unit (mm of contact travel, or %/s)."""
        return _either("motion_on", self.motion_on_mm, self.motion_on_pct_s)

    @property
    def reposition_min(self) -> float:
        """Least net displacement of a reposition (mm, or load dip as a fraction)."""
        return _either("reposition_min", self.reposition_min_mm, self.reposition_min_load_dip)

    @property
    def edge_margin(self) -> float:
        """Margin beyond a hold's own range that marks its edge (mm, or load fraction)."""
        return _either("edge_margin", self.edge_margin_mm, self.edge_margin_load_frac)

    @property
    def body_scale_floor(self) -> float:
        """Least body scale of a motion sensor (deg/s for gyroscopes, deg for tilt)."""
        return _either("body_scale_floor", self.body_scale_floor_deg_s, self.body_scale_floor_deg)

    @property
    def load_floor_min(self) -> float:
        """Least unloaded floor of a load sensor (N for force, Pa above unloaded for pressure)."""
        return _either("load_floor_min", self.load_floor_min_n, self.load_floor_min_pa)


# Thresholds were chosen on simulated sessions of both worlds (tuning seeds; docs/simulator.md).
# IMUs: a hold keeps the contact within a few millimetres (deep breaths move it up to ~6 mm,
# sway and settling creep add a little); rolling moves it centimetres, back and forth. A frame
# is still when some 6 s window around it keeps the contact's range under 9 mm.
TRAVEL_ON_MM = 9.0
TRAVEL_WINDOW_S = 6.0
# A step to a new spot: the contact's means over 4 s flanks either side of the move (1.5 s left
# out each side) differ by the kind's ``reposition_min_mm``; the step is seen while the flanks
# straddle it. Two micro-adjustments at once can move the contact ~9 mm, so the gyro IMU asks
# for 9 mm; an accelerometer sees only the tilt part of a move (a diagonal move up a wall
# shows about half), so it asks for 6.5 mm. The contact travel is read on a 6.5 cm ball, and
# a 12 cm ball turns half as much: a 1 cm shift of weight on it reads 5.4 mm. Such a shift
# takes seconds and a micro-adjustment a fraction of one, so the gyro IMU takes a slow step
# (no 0.7 s of it making 40 % of it) from 7 mm (12 degrees of turn).
STEP_FLANK_S = 4.0
STEP_GAP_S = 1.5
STEP_RUN_S = STEP_FLANK_S + STEP_GAP_S
SETTLED_FLANK_S = 8.0
SETTLED_GAP_S = 2.0
# Load sensors: rolling swings the load by tens of percent, breathing by a few; a 3 s moving
# standard deviation tells them apart and stays local. A reposition eases the load by > 24 %.
# Hold edges: IMU edges are traced back to where the rise out of the hold's range began; beside
# an idle ball the reference starts 5 s inside, past the settling of the body getting off.
# Steadiness parts were chosen on simulated holds (tuning seeds) by rank correlation with the
# true amount of fidgeting; their typical values are the median hold's.
KINDS: dict[str, KindParams] = {
    "imu": KindParams(
        name="imu",
        is_motion_sensor=True,
        has_gyro=True,
        path_kind="rotation_mm",
        detects_carried=True,
        motion_on_mm=TRAVEL_ON_MM,
        motion_on_pct_s=None,
        motion_smooth_frames=1,
        motion_window_s=STEP_RUN_S,
        travel_window_s=TRAVEL_WINDOW_S,
        reposition_min_mm=9.0,
        reposition_min_load_dip=None,
        settled_step_min_mm=9.5,
        slow_step_min_mm=7.0,
        micro_speed_mm_s=2.8,
        refine_edges=True,
        edge_search_s=STEP_FLANK_S + STEP_GAP_S + 1.0,
        edge_ref_s=(1.0, 15.0),
        edge_ref_idle_s=5.0,
        edge_backtrack=True,
        edge_blip_s=0.5,
        edge_margin_mm=0.5,
        edge_margin_load_frac=None,
        body_evidence="breathing_tremor",
        body_noise_key="gyro_dps",
        body_scale_floor_deg_s=0.02,
        body_scale_floor_deg=None,
        load_floor_min_n=None,
        load_floor_min_pa=None,
        load_baseline_s=None,
        breathing_method="tilt",
        tremble_band_hz=(1.0, 3.0),
        steadiness_parts=(("moves_per_min", 1.0, 3.2), ("tremble", 1.0, 0.032)),
    ),
    "accel": KindParams(
        name="accel",
        is_motion_sensor=True,
        has_gyro=False,
        path_kind="gravity_mm",
        detects_carried=True,
        motion_on_mm=TRAVEL_ON_MM,
        motion_on_pct_s=None,
        motion_smooth_frames=1,
        motion_window_s=STEP_RUN_S,
        travel_window_s=TRAVEL_WINDOW_S,
        reposition_min_mm=6.5,
        reposition_min_load_dip=None,
        settled_step_min_mm=6.5,
        slow_step_min_mm=None,
        micro_speed_mm_s=1.7,
        refine_edges=True,
        edge_search_s=STEP_FLANK_S + STEP_GAP_S + 1.0,
        edge_ref_s=(1.0, 15.0),
        edge_ref_idle_s=5.0,
        edge_backtrack=True,
        edge_blip_s=0.0,
        edge_margin_mm=0.4,
        edge_margin_load_frac=None,
        body_evidence="breathing_tremor",
        body_noise_key="acc_deg",
        body_scale_floor_deg_s=None,
        body_scale_floor_deg=0.01,
        load_floor_min_n=None,
        load_floor_min_pa=None,
        load_baseline_s=None,
        breathing_method="tilt",
        tremble_band_hz=(1.0, 3.0),
        steadiness_parts=(("wander", 1.0, 1.2), ("tremble", 1.0, 0.032)),
    ),
    "force": KindParams(
        name="force",
        is_motion_sensor=False,
        has_gyro=False,
        path_kind="load_rel",
        detects_carried=False,
        motion_on_mm=None,
        motion_on_pct_s=5.0,
        motion_smooth_frames=30,
        motion_window_s=3.0,
        travel_window_s=None,
        reposition_min_mm=None,
        reposition_min_load_dip=0.24,
        settled_step_min_mm=None,
        slow_step_min_mm=None,
        micro_speed_mm_s=None,
        refine_edges=True,
        edge_search_s=3.0,
        edge_ref_s=(1.5, 5.0),
        edge_ref_idle_s=1.5,
        edge_backtrack=False,
        edge_blip_s=0.0,
        edge_margin_mm=None,
        edge_margin_load_frac=0.03,
        body_evidence="loaded_share",
        body_noise_key=None,
        body_scale_floor_deg_s=None,
        body_scale_floor_deg=None,
        load_floor_min_n=4.0,
        load_floor_min_pa=None,
        load_baseline_s=None,
        breathing_method="load",
        tremble_band_hz=(0.4, 3.0),
        steadiness_parts=(("wander", 1.0, 0.026), ("tremble", 6.0, 0.0045)),
    ),
}
# A barometer in an inflatable ball reads like a load cell, in Pa of absolute pressure: the
# unloaded ball (its lowest 1 s mean) is subtracted first, and its unloaded floor is in Pa.
KINDS["pressure"] = replace(
    KINDS["force"],
    name="pressure",
    load_floor_min_n=None,
    load_floor_min_pa=200.0,
    load_baseline_s=1.0,
)

if tuple(KINDS) != SENSOR_KINDS:
    raise RuntimeError(f"KINDS {tuple(KINDS)} must match schema.SENSOR_KINDS {SENSOR_KINDS}")


def kind_params(kind: str) -> KindParams:
    """The parameters of sensor ``kind``; ValueError naming the known kinds otherwise."""
    try:
        return KINDS[kind]
    except KeyError:
        raise ValueError(f"unknown sensor kind {kind!r}; known: {', '.join(KINDS)}") from None
