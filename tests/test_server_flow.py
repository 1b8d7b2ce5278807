"""A patient's session reaches their therapist: enrol, link, record, sync, and the therapist
logs in and sees it; and the way there survives a server that dies or is away."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from clinicserver import PASSWORDS, Clinic, running, start, stop
from streamlit.testing.v1 import AppTest

from holdtrack.analysis import session_process
from holdtrack.library import Library
from holdtrack.sensing.session import read_session, write_recording
from holdtrack.simulation.config import SimConfig
from holdtrack.simulation.simulate import simulate

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "dashboard" / "app.py"


def holdtrack(*args: object, config: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    """The real command, with this test's own user config folder."""
    env = {**os.environ, "HOLDTRACK_CONFIG_DIR": str(config)}
    return subprocess.run([sys.executable, "-m", "holdtrack", *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=timeout)  # fmt: skip


def short_source(folder: Path, seed: int = 3, minutes: float = 4.0) -> Path:
    """A few minutes of simulated force at 20 Hz with at least one long hold."""
    cfg = SimConfig("force", "floor", "good_holder", seed=seed, rate_hz=20.0, n_holds=2,
                    packet_loss=0.0, dropouts_per_min=0.0, timestamps="device")  # fmt: skip
    session = simulate(cfg).session
    session.data = session.data[session.data["time_s"] <= minutes * 60].reset_index(drop=True)
    path = folder / f"source-{seed}.parquet"
    write_recording(session, path)
    return path


def unique_recordings(folder: Path, n: int) -> list[Path]:
    """``n`` recordings with different bytes (and a start time each), from one source."""
    base = read_session(short_source(folder, minutes=2.5))
    out = []
    for i in range(n):
        base.meta.extra = {"copy": i}
        base.meta.start_time_utc = f"2026-11-{1 + i % 28:02d}T10:00:00+00:00"
        path = folder / f"rec-{i:02d}.parquet"
        write_recording(base, path)
        out.append(path)
    return out


def test_enrol_link_record_sync_and_the_therapist_sees_it(tmp_path, monkeypatch):
    cfg = tmp_path / "cfg"
    with running(tmp_path / "clinic") as clinic:
        code = clinic.enrol("tess", "pat1")
        linked = holdtrack("link", clinic.url, code, "--name", "laptop", config=cfg)
        assert linked.returncode == 0, linked.stderr
        assert "linked to Clinic X as pat1" in linked.stderr
        assert oct((cfg / "link.json").stat().st_mode & 0o777) == "0o600"
        assert code not in (cfg / "link.json").read_text()
        src = short_source(tmp_path)
        rec = holdtrack("record", "--virtual", src, "--model", "tindeq", "--speed", "30",
                        "--out", tmp_path / "rec", config=cfg)  # fmt: skip
        assert rec.returncode == 0, rec.stderr
        recorded = Path(rec.stdout.strip())
        local = session_process(read_session(recorded).data)
        n_adh = sum(h.adherent for h in local.holds)
        said = f"{recorded.name}: {n_adh} of {len(local.holds)} holds reached 90 s"
        assert said in rec.stderr and "synced to Clinic X" in rec.stderr
        sessions = httpx.get(f"{clinic.api}/patients/pat1/sessions",
                             headers=clinic.login("tess")).json()  # fmt: skip
        (s,) = sessions
        assert s["start_utc"] == read_session(recorded).meta.start_time_utc
        remote = httpx.get(f"{clinic.api}/sessions/{s['session_id']}",
                           headers=clinic.login("tess")).json()["analysis"]  # fmt: skip
        assert [h["start_s"] for h in remote["holds"]] == [round(h.start_s, 2) for h in local.holds]
        assert remote["summary"]["verdict"] == local.summary["verdict"]
        dashboard_shows(clinic, monkeypatch, "pat1", remote["summary"]["verdict"])


def dashboard_shows(clinic: Clinic, monkeypatch: pytest.MonkeyPatch, patient: str, verdict: str):  # noqa: ANN201
    """The clinic dashboard (AppTest): log in as tess, find the patient and the verdict."""
    monkeypatch.setenv("HOLDTRACK_LIBRARY", str(clinic.root))
    monkeypatch.setenv("HOLDTRACK_CLINIC", "1")
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    assert not at.exception and at.text_input(key="login_name")
    at.text_input(key="login_name").input("tess")
    at.text_input(key="login_password").input(PASSWORDS["tess"])
    at.button[0].click().run()
    assert not at.exception
    assert list(at.dataframe[0].value["patient"]) == [patient]
    at.sidebar.radio(key="view").set_value("Session").run()
    assert any(verdict in md.value for md in at.markdown)
    at.sidebar.button(key="logout").click().run()
    assert at.text_input(key="login_name")  # back at the login form


def test_a_server_that_is_away_gets_the_session_later(tmp_path):
    cfg = tmp_path / "cfg"
    clinic = start(tmp_path / "clinic")
    port = int(clinic.url.rsplit(":", 1)[1])
    try:
        assert (
            holdtrack("link", clinic.url, clinic.enrol("tess", "pat2"), config=cfg).returncode == 0
        )
    finally:
        stop(clinic)
    (rec,) = unique_recordings(tmp_path, 1)
    away = holdtrack("sync", rec, "--deadline", "2", config=cfg)
    assert away.returncode == 1 and "wait to be sent" in away.stderr
    outbox = json.loads((cfg / "outbox.json").read_text())
    assert [i["state"] for i in outbox] == ["queued"]
    clinic = start(tmp_path / "clinic", port=port)
    try:
        back = holdtrack("sync", config=cfg)
        assert back.returncode == 0, back.stderr
        assert "synced to Clinic X" in back.stderr
        assert [r.patient_id for r in Library(clinic.root).sessions()] == ["pat2"]
        again = holdtrack("sync", rec, config=cfg)  # the same file again: nothing new
        assert again.returncode == 0 and len(Library(clinic.root).sessions()) == 1
    finally:
        stop(clinic)


def test_uploads_survive_a_server_killed_at_random_moments(tmp_path):
    cfg = tmp_path / "cfg"
    root = tmp_path / "clinic"
    clinic = start(root)
    port = int(clinic.url.rsplit(":", 1)[1])
    assert holdtrack("link", clinic.url, clinic.enrol("tess", "pat3"), config=cfg).returncode == 0
    recs = unique_recordings(tmp_path, 20)
    env = {**os.environ, "HOLDTRACK_CONFIG_DIR": str(cfg)}
    cmd = [sys.executable, "-m", "holdtrack", "sync", *map(str, recs), "--deadline", "120"]
    sender = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, text=True)
    rng = random.Random(5)
    for _ in range(4):  # kill -9 at random points of the uploads, then come back
        time.sleep(rng.uniform(0.3, 2.0))
        stop(clinic, signal.SIGKILL)
        time.sleep(rng.uniform(0.2, 1.0))
        clinic = start(root, port=port)
    try:
        sender.communicate(timeout=300)
        final = holdtrack("sync", config=cfg)  # anything the kills left queued
        assert final.returncode == 0, final.stderr
        lib = Library(root)
        rows = lib.sessions()
        assert len(rows) == 20 and len({r.id for r in rows}) == 20
        by_id = {r.id: r for r in rows}
        for p in recs:
            (row,) = [r for r in rows if r.file.read_bytes() == p.read_bytes()]
            assert by_id[row.id].patient_id == "pat3"
    finally:
        stop(clinic)


def test_fifty_patients_uploading_at_once_lose_nothing(tmp_path):
    recs = unique_recordings(tmp_path, 50)
    with running(tmp_path / "clinic") as clinic:
        devices = [clinic.link("tess" if i % 2 else "tom", f"p{i:02d}") for i in range(50)]
        answers: list[httpx.Response | Exception] = [None] * 50  # type: ignore[list-item]

        def send(i: int) -> None:
            try:
                answers[i] = httpx.post(f"{clinic.api}/sessions", content=recs[i].read_bytes(),
                                        headers={**devices[i], "X-Filename": recs[i].name},
                                        timeout=300)  # fmt: skip
            except Exception as exc:  # noqa: BLE001 (recorded and asserted on below)
                answers[i] = exc

        threads = [threading.Thread(target=send, args=(i,)) for i in range(50)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert [getattr(a, "status_code", a) for a in answers] == [201] * 50
        rows = Library(clinic.root).sessions()
        assert sorted(r.patient_id for r in rows) == [f"p{i:02d}" for i in range(50)]
        assert all(r.error is None for r in rows)
