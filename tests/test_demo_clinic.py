"""The demo clinic: made-up people following the patterns a therapist meets, analysed like real
sessions, marked demo- and removable from the clinic page in one click."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from holdtrack.commands.dashboard import build_demo
from holdtrack.dashboard.views import clinic_table
from holdtrack.library import Library, SessionRow
from holdtrack.library.names import is_demo
from holdtrack.simulation.demo_clinic import NAMES, PATTERNS, build_demo_clinic, demo_plan

APP = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"
NOW = datetime(2026, 11, 26, 20, tzinfo=UTC)  # a Thursday evening
WEEKS = 4


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Library, list[str], list[tuple[int, int]]]:
    lib = Library(tmp_path_factory.mktemp("demo"))
    calls: list[tuple[int, int]] = []
    people = build_demo_clinic(lib, people=5, weeks=WEEKS, now=NOW, seed=3,
                               progress=lambda k, n: calls.append((k, n)))  # fmt: skip
    return lib, people, calls


def _by_pattern(lib: Library) -> dict[str, list[SessionRow]]:
    """Each pattern's person's sessions, oldest first (person i follows PATTERNS[i])."""
    return {
        pattern: sorted(lib.sessions(f"demo-{NAMES[i]}"), key=lambda s: s.start_utc)
        for i, pattern in enumerate(PATTERNS)
    }


def test_every_demo_person_is_marked_and_every_session_analysed(demo):
    lib, people, calls = demo
    assert len(people) == 5 and all(is_demo(p) for p in people)
    assert sorted(lib.patients()) == sorted(people)
    total = len(lib.sessions())
    assert calls == [(k, total) for k in range(1, total + 1)]  # progress reaches the total
    assert all(s.error is None for s in lib.sessions())
    assert all(s.start_utc <= NOW for s in lib.sessions())


def test_the_patterns_look_like_what_they_are_called(demo):
    lib, _, _ = demo
    p = _by_pattern(lib)
    adherent = p["adherent"]
    assert len(adherent) >= 3 * (WEEKS - 1)
    assert sum(s.adherent_holds for s in adherent) >= 0.8 * sum(s.n_holds for s in adherent)
    rolling = p["rolling"][-1]
    assert rolling.rolling_s / rolling.loaded_s > 0.5
    lapsed = p["lapsed"]
    assert lapsed and NOW - lapsed[-1].start_utc > timedelta(days=7)
    fading = p["fading"]
    half = NOW - timedelta(weeks=WEEKS / 2)
    early = [s for s in fading if s.start_utc < half]
    late = [s for s in fading if s.start_utc >= half]
    assert len(late) < len(early)
    assert sum(s.adherent_time_s for s in late) < 0.6 * sum(s.adherent_time_s for s in early)
    flags = clinic_table(lib.sessions(), NOW).set_index("patient")["flags"]
    assert "mostly rolling" in flags[rolling.patient_id]
    assert "no data for" in flags[lapsed[-1].patient_id]
    assert flags[adherent[0].patient_id] == "" or "routines" in flags[adherent[0].patient_id]


def test_the_same_seed_makes_the_same_clinic():
    a, b = demo_plan(12, 6, NOW, 7), demo_plan(12, 6, NOW, 7)
    assert a == b and a != demo_plan(12, 6, NOW, 8)
    assert len({p.patient_id for p in a}) == 12
    assert {p.sensor_kind for p in a} == {"imu", "accel", "force", "pressure"}


def _session_ids(root: Path, now: datetime, seed: int) -> list[str]:
    """The session ids of a one-person, one-week demo built into a new library at ``root``."""
    lib = Library(root)
    build_demo_clinic(lib, people=1, weeks=1, now=now, seed=seed)
    return sorted(s.id for s in lib.sessions())


def test_the_same_seed_and_day_make_the_same_sessions_and_another_day_new_ones(tmp_path):
    first = _session_ids(tmp_path / "a", NOW, 5)
    assert first and first == _session_ids(tmp_path / "b", NOW, 5)
    # a demo rebuilt after a removal is new sessions, not last week's restored from the trash
    assert not set(first) & set(_session_ids(tmp_path / "c", NOW + timedelta(days=7), 5))


def test_the_dashboard_builds_no_second_demo_clinic(demo, capsys):
    lib, _, _ = demo
    before = sorted(s.id for s in lib.sessions())
    build_demo(lib)
    assert sorted(s.id for s in lib.sessions()) == before
    assert "building the demo clinic" not in capsys.readouterr().err


def test_the_demo_people_are_removed_in_one_click_and_can_come_back(demo, monkeypatch):
    lib, people, _ = demo
    monkeypatch.setenv("HOLDTRACK_LIBRARY", str(lib.root))
    monkeypatch.delenv("HOLDTRACK_CLINIC", raising=False)
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.button(key="remove_demo").click().run()
    assert not at.exception
    assert lib.patients() == [] and len(lib.trash()) > 0
    at.button(key="undo_removal").click().run()
    assert sorted(lib.patients()) == sorted(people) and lib.trash() == []
