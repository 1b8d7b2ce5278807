"""The dashboard in clinic mode (AppTest on a real library and accounts): login, scoping that
holds whatever the page is asked for, enrolment and revocation, the administrator's pages,
escaped names, the idle timeout and lock-outs."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from clinicserver import ADMIN_PASSWORD, PASSWORDS, accounts_for
from streamlit.testing.v1 import AppTest

from holdtrack.library import Library

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "dashboard" / "app.py"
START = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
EVIL = "**bold** <script>x</script>"


@pytest.fixture()
def clinic_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clinic library: tess treats anna and EVIL, tom treats tomas, each with a session."""
    root = tmp_path / "clinic"
    acc = accounts_for(root)
    lib = Library(root)
    samples = sorted((ROOT / "sample_data").glob("*.parquet"))
    for (therapist, patient), sample in zip(
        [("tess", "anna"), ("tess", EVIL), ("tom", "tomas")], samples
    ):
        acc.assign(patient, therapist)
        lib.import_file(sample, patient_id=patient, start_utc=START)
    monkeypatch.setenv("HOLDTRACK_LIBRARY", str(root))
    monkeypatch.setenv("HOLDTRACK_CLINIC", "1")
    return root


def logged_in(user: str, password: str | None = None) -> AppTest:
    """The app after logging in (no exception on the way)."""
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.text_input(key="login_name").input(user)
    at.text_input(key="login_password").input(password or PASSWORDS.get(user, ADMIN_PASSWORD))
    at.button[0].click().run()
    assert not at.exception, at.exception
    return at


def press(at: AppTest, label: str) -> None:
    """Click the button with this label and run the script."""
    (button,) = [b for b in at.button if b.label == label]
    button.click().run()
    assert not at.exception, at.exception


def test_without_login_nothing_is_shown(clinic_root: Path):
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    assert not at.exception
    assert [h.value for h in at.title] == ["holdtrack clinic"]
    assert not at.dataframe and not at.metric and not at.sidebar.radio


def test_a_therapist_sees_only_their_patients_whatever_is_asked(clinic_root: Path):
    at = logged_in("tess")
    assert sorted(at.dataframe[0].value["patient"]) == sorted(["anna", EVIL])
    assert "tomas" not in at.sidebar.selectbox(key="patient").options
    # The pages read only through the therapist's scoped library: ask it for tom's patient.
    from holdtrack.library import Prescription
    from holdtrack.library.accounts import Accounts
    from holdtrack.library.scoped import ScopedLibrary

    acc = Accounts(clinic_root)
    lib = Library(clinic_root)
    tess = ScopedLibrary(lib, acc.patients_of(acc.user("tess")))
    tomas = lib.sessions("tomas")[0].id
    assert tess.sessions("tomas") == [] and "tomas" not in tess.patients()
    assert {r.patient_id for r in tess.sessions()} == {"anna", EVIL}
    for ask in (tess.session, tess.analysis, tess.remove):
        with pytest.raises(KeyError):
            ask(tomas)
    with pytest.raises(KeyError):
        tess.prescription("tomas")
    with pytest.raises(KeyError):
        tess.set_prescription("tomas", Prescription())
    with pytest.raises(KeyError):
        tess.import_file(ROOT / "sample_data" / "good_holder_force_floor.csv", patient_id="tomas")
    assert len(lib.sessions("tomas")) == 1


def test_names_are_shown_as_typed_never_as_formatting(clinic_root: Path):
    at = logged_in("tess")
    at.sidebar.selectbox(key="patient").set_value(EVIL)
    at.sidebar.radio(key="view").set_value("Person").run()
    (header,) = at.header
    assert header.value == "Progress: \\*\\*bold\\*\\* \\<script\\>x\\</script\\>"


def test_enrol_shows_a_code_and_qr_and_revoke_ends_the_device(clinic_root: Path):
    at = logged_in("tess")
    at.sidebar.radio(key="view").set_value("Patients and devices").run()
    at.text_input(key="enrol_patient").input("newbie")
    press(at, "Make an enrolment code")
    (code_block,) = at.code
    code = code_block.value.rsplit(" ", 1)[1]
    assert at.get("image")  # the QR code
    from holdtrack.library.accounts import Accounts

    acc = Accounts(clinic_root)
    token, patient = acc.link(code, "phone")
    assert patient == "newbie" and acc.device_patient(token) == "newbie"
    at.run()
    press(at, "Revoke")
    assert acc.device_patient(token) is None


def test_the_administrator_manages_therapists_and_reads_the_audit(clinic_root: Path):
    logged_in("tess").sidebar.radio(key="view").set_value("Person").run()  # a view to audit
    at = logged_in("boss")
    assert not at.dataframe or "patient" not in at.dataframe[0].value.columns[:1]
    at.text_input(key="new_therapist").input("tina")
    at.text_input(key="new_password").input("tina password 1")
    press(at, "Add")
    at.sidebar.radio(key="view").set_value("Who treats whom").run()
    at.selectbox(key="reassign_patient").set_value("tomas")
    at.selectbox(key="reassign_to").set_value("tina")
    press(at, "Reassign")
    from holdtrack.library.accounts import Accounts

    assert Accounts(clinic_root).therapist_of("tomas") == "tina"
    at.sidebar.radio(key="view").set_value("Clinic settings").run()
    at.selectbox(key="settings_zone").set_value("Europe/Lisbon")
    at.number_input(key="settings_days").set_value(5)
    press(at, "Save settings")
    from holdtrack.library.clinic_settings import read_settings

    assert (read_settings(clinic_root).time_zone, read_settings(clinic_root).no_data_days) == (
        "Europe/Lisbon", 5,
    )  # fmt: skip
    tess = logged_in("tess")  # a therapist sees the clinic's zone, and cannot change it
    assert any("Europe/Lisbon time" in c.value for c in tess.caption)
    assert not [n for n in tess.number_input if n.key == "settings_days"]
    at.sidebar.radio(key="view").set_value("Audit log").run()
    log = at.dataframe[0].value
    assert {"login", "view progress", "add therapist", "reassign", "change clinic settings"} <= set(
        log["action"]
    )


def test_a_login_ends_after_30_idle_minutes(clinic_root: Path):
    at = logged_in("tess")
    with sqlite3.connect(clinic_root / "clinic.sqlite") as db:
        db.execute("UPDATE logins SET last_seen = last_seen - 31 * 60")
    at.run()
    assert [h.value for h in at.title] == ["holdtrack clinic"]
    assert "logged out after 30 minutes" in at.info[0].value
    assert not at.dataframe


def test_guessing_passwords_locks_the_account(clinic_root: Path):
    for _ in range(5):
        at = logged_in("tom", "not the password")
        assert "wrong user name or password" in at.error[0].value
    at = logged_in("tom")
    assert "too many failed attempts" in at.error[0].value and not at.dataframe
