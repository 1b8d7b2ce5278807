"""Each way in is closed: every refusal is checked for its status code and for what was stored
or shown (nothing), against a real server process and a real HTTP client."""

from __future__ import annotations

import socket
import sqlite3
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from clinicserver import Clinic, running

from holdtrack.library import Library
from holdtrack.library.accounts import Accounts

ROOT = Path(__file__).resolve().parents[1]
RECORDING = ROOT / "sample_data" / "mixed_pressure_floor.parquet"
START = {"X-Start-Time": "2026-11-20T10:00:00+00:00"}


def upload(clinic: Clinic, headers: dict[str, str], path: Path = RECORDING):  # noqa: ANN201
    """POST one session file."""
    return httpx.post(
        f"{clinic.api}/sessions",
        content=path.read_bytes(),
        headers={"X-Filename": path.name, **START, **headers},
        timeout=120,
    )


def unique_recording(folder: Path, tag: str, source: Path = RECORDING) -> Path:
    """A recording whose bytes no other test uploads (its metadata carries ``tag``)."""
    from holdtrack.sensing.session import read_session, write_recording

    session = read_session(source)
    session.meta.extra = {"tag": tag}
    path = folder / f"{tag}.parquet"
    write_recording(session, path)
    return path


def stored(clinic: Clinic) -> list[tuple[str, str]]:
    """(session id, patient) of everything in the clinic's library."""
    return [(r.id, r.patient_id) for r in Library(clinic.root).sessions()]


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    with running(tmp_path_factory.mktemp("clinic")) as c:
        yield c


def test_uploads_without_a_valid_token_store_nothing(clinic: Clinic):
    before = stored(clinic)
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic x"}):
        r = upload(clinic, headers)
        assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert stored(clinic) == before


def test_a_revoked_device_is_refused_at_once(clinic: Clinic, tmp_path: Path):
    device = clinic.link("tess", "rita")
    assert upload(clinic, device, unique_recording(tmp_path, "rita")).status_code == 201
    listed = httpx.get(f"{clinic.api}/devices", headers=clinic.login("tess")).json()
    (dev,) = [d for d in listed if d["patient_id"] == "rita"]
    r = httpx.post(f"{clinic.api}/devices/{dev['id']}/revoke", headers=clinic.login("tess"))
    assert r.status_code == 204
    before = stored(clinic)
    other = ROOT / "sample_data" / "roller_accel_wall.parquet"
    assert upload(clinic, device, other).status_code == 401
    assert httpx.get(f"{clinic.api}/me/sessions", headers=device).status_code == 401
    assert stored(clinic) == before


def test_enrolment_codes_work_once_and_expire(clinic: Clinic):
    code = clinic.enrol("tess", "ulla")
    assert httpx.post(f"{clinic.api}/link", json={"code": code}).status_code == 201
    again = httpx.post(f"{clinic.api}/link", json={"code": code})
    assert again.status_code == 400 and "already used or expired" in again.json()["detail"]
    late = clinic.enrol("tess", "vera")
    with sqlite3.connect(clinic.root / "clinic.sqlite") as db:
        db.execute("UPDATE enrolments SET expires = 0 WHERE used IS NULL")
    assert httpx.post(f"{clinic.api}/link", json={"code": late}).status_code == 400
    devices = Accounts(clinic.root).devices(frozenset({"ulla", "vera"}))
    assert [d.patient_id for d in devices] == ["ulla"]


def test_a_patient_uploads_and_reads_only_as_themselves(clinic: Clinic):
    anna, bert = clinic.link("tess", "anna-p"), clinic.link("tom", "bert-p")
    # The file's own metadata names someone else: the token decides whose it is.
    r = upload(clinic, anna, ROOT / "sample_data" / "good_holder_imu_floor.parquet")
    assert r.status_code == 201 and r.json()["patient_id"] == "anna-p"
    assert (r.json()["session_id"], "anna-p") in stored(clinic)
    assert [
        s["patient_id"] for s in httpx.get(f"{clinic.api}/me/sessions", headers=bert).json()
    ] == []
    for path in ("/patients", "/patients/anna-p/sessions", f"/sessions/{r.json()['session_id']}"):
        assert httpx.get(f"{clinic.api}{path}", headers=bert).status_code == 401
    same = upload(clinic, bert, ROOT / "sample_data" / "good_holder_imu_floor.parquet")
    assert same.status_code == 409 and "another person" in same.json()["detail"]
    assert "anna-p" not in same.text


def test_a_therapist_reaches_no_other_therapists_patient(clinic: Clinic):
    device = clinic.link("tom", "carl-p")
    sid = upload(clinic, device, ROOT / "sample_data" / "roller_accel_wall.parquet").json()
    sid = sid["session_id"]  # (the only upload of this file in the module)
    tess = clinic.login("tess")
    assert "carl-p" not in [p["patient_id"] for p in httpx.get(f"{clinic.api}/patients",
                                                               headers=tess).json()]  # fmt: skip
    for path in ("/patients/carl-p/sessions", f"/sessions/{sid}", f"/sessions/{sid}/holds.csv"):
        r = httpx.get(f"{clinic.api}{path}", headers=tess)
        assert r.status_code == 404 and "carl" not in r.text
    (dev,) = [d for d in Accounts(clinic.root).devices() if d.patient_id == "carl-p"]
    assert httpx.post(f"{clinic.api}/devices/{dev.id}/revoke", headers=tess).status_code == 404
    taken = httpx.post(f"{clinic.api}/patients", json={"patient_id": "carl-p"}, headers=tess)
    assert taken.status_code == 400
    assert Accounts(clinic.root).therapist_of("carl-p") == "tom"
    tom = clinic.login("tom")
    assert httpx.get(f"{clinic.api}/sessions/{sid}", headers=tom).status_code == 200
    admin = clinic.login("boss")
    assert httpx.get(f"{clinic.api}/sessions/{sid}", headers=admin).status_code == 403


def test_logins_lock_out_after_repeated_failures(tmp_path: Path):
    with running(tmp_path / "c") as clinic:
        for _ in range(5):
            r = httpx.post(f"{clinic.api}/login", json={"username": "tom", "password": "guess"})
            assert r.status_code == 401
        right = {"username": "tom", "password": "tom password 12"}
        r = httpx.post(f"{clinic.api}/login", json=right)
        assert r.status_code == 429 and "token" not in r.json()
        assert clinic.login("tess")  # another account is not locked


def test_enrolment_guessing_locks_out(tmp_path: Path):
    with running(tmp_path / "c") as clinic:
        for _ in range(5):
            assert (
                httpx.post(f"{clinic.api}/link", json={"code": "WRONGCODE234"}).status_code == 400
            )
        good = clinic.enrol("tess", "dora")
        r = httpx.post(f"{clinic.api}/link", json={"code": good})
        assert r.status_code == 429
        assert Accounts(clinic.root).devices() == []


def test_hostile_names_are_stored_safely_and_shown_escaped(clinic: Clinic, tmp_path: Path):
    evil = "<script>alert(1)</script>/../../x"
    device = clinic.link("tess", evil)
    path = unique_recording(tmp_path, "evil")
    r = upload(clinic, {**device, "X-Filename": "../../<img src=x>.parquet"}, path)
    assert r.status_code in (200, 201), r.text
    lib = Library(clinic.root)
    row = lib.session(r.json()["session_id"])
    assert row.patient_id == evil and row.file.parent == lib.files
    assert "/" not in row.file.name and "<" not in row.file.name
    assert row.original_name == "<img src=x>.parquet"
    from holdtrack.dashboard.report import session_report_html

    page = session_report_html(row, lib.analysis(row.id))
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_an_oversize_upload_is_refused_before_it_is_read(clinic: Clinic):
    device = clinic.link("tess", "edda")
    head = (
        "POST /api/v1/sessions HTTP/1.1\r\nHost: x\r\n"
        f"Authorization: {device['Authorization']}\r\nX-Filename: big.parquet\r\n"
        "Content-Length: 300000000\r\n\r\n"
    ).encode()
    port = int(clinic.url.rsplit(":", 1)[1])
    t0 = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=20) as s:
        s.sendall(head + b"PAR1")  # 4 of the 300 MB announced
        answer = s.recv(4096).decode(errors="replace")
    assert answer.startswith("HTTP/1.1 413"), answer
    assert time.monotonic() - t0 < 10
    assert not list((clinic.root / "incoming").glob("*"))


def test_plain_http_on_a_network_address_is_refused(tmp_path: Path):
    r = subprocess.run(
        [sys.executable, "-m", "holdtrack", "server", "--library", str(tmp_path),
         "--host", "0.0.0.0", "--no-dashboard"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert r.returncode == 1
    assert "refusing plain HTTP on 0.0.0.0" in r.stderr
    assert not (tmp_path / "clinic.sqlite").exists()


def test_the_audit_log_records_reads_and_cannot_be_rewritten(clinic: Clinic, tmp_path: Path):
    device = clinic.link("tom", "fred-p")
    sid = upload(clinic, device, unique_recording(tmp_path, "fred")).json()["session_id"]
    assert httpx.get(f"{clinic.api}/sessions/{sid}", headers=clinic.login("tom")).status_code == 200
    log = httpx.get(f"{clinic.api}/audit", headers=clinic.login("boss")).json()
    actions = {(e["actor"], e["action"]) for e in log}
    assert ("tom", "view session") in actions and ("device", "upload") in actions
    assert httpx.get(f"{clinic.api}/audit", headers=clinic.login("tess")).status_code == 403
    with sqlite3.connect(clinic.root / "clinic.sqlite") as db, pytest.raises(sqlite3.Error):
        db.execute("DELETE FROM audit")


def test_tls_serves_the_api_and_links_with_the_clinics_own_authority(tmp_path: Path):
    import os

    from clinicserver import accounts_for, free_port

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    root = tmp_path / "clinic"
    accounts_for(root)
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "holdtrack", "server", "--library", str(root), "--port", str(port),
         "--no-dashboard", "--tls-cert", str(cert), "--tls-key", str(key)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"https://127.0.0.1:{port}"
    tls = httpx.Client(verify=ssl.create_default_context(cafile=str(cert)), timeout=30)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if tls.get(f"{url}/api/v1/health").is_success:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        with pytest.raises(httpx.HTTPError):  # plain HTTP is not served
            httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=5)
        login = {"username": "tess", "password": "tess password 1"}
        token = tls.post(f"{url}/api/v1/login", json=login).json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        code = tls.post(f"{url}/api/v1/patients", json={"patient_id": "tls-p"}, headers=auth)
        link = [sys.executable, "-m", "holdtrack", "link", url, code.json()["code"]]
        env = {**os.environ, "HOLDTRACK_CONFIG_DIR": str(tmp_path / "cfg")}
        untrusted = subprocess.run(link, env=env, capture_output=True, text=True)
        assert untrusted.returncode == 1 and "CERTIFICATE_VERIFY_FAILED" in untrusted.stderr
        linked = subprocess.run([*link, "--ca-cert", str(cert)], env=env, capture_output=True,
                                text=True)  # fmt: skip
        assert linked.returncode == 0, linked.stderr
        assert "linked to the clinic as tls-p" in linked.stderr
    finally:
        tls.close()
        proc.terminate()
        proc.wait(timeout=30)
