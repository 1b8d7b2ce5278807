"""Every page has an address: a view, person and session named in the URL open them, the URL
follows what is shown, and in clinic mode an address cannot open another therapist's patient."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest
from test_dashboard_clinic import APP, EVIL, clinic_root, logged_in  # noqa: F401 (fixture)

from holdtrack.library import Library, import_sample_set


def _param(at: AppTest, key: str) -> str | None:
    value = at.query_params.get(key)
    return value[0] if isinstance(value, list) else value


def test_an_address_opens_its_view_person_and_session(tmp_path: Path, monkeypatch):
    lib = Library(tmp_path / "lib")
    import_sample_set(lib)
    monkeypatch.setenv("HOLDTRACK_LIBRARY", str(lib.root))
    sessions = lib.sessions("ben")
    sid = sessions[-1].id  # not the one the picker would choose first
    assert len(sessions) >= 2 and sid != sessions[0].id
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params = {"view": "replay", "person": "ben", "session": sid}
    at.run()
    assert not at.exception
    assert at.session_state["view"] == "Replay"
    assert at.session_state["patient"] == "ben"
    assert at.session_state["session_id"] == sid
    assert "ben" in at.header[0].value
    # The address follows the pickers.
    at.sidebar.selectbox(key="patient").set_value("carla").run()
    assert _param(at, "person") == "carla"
    assert _param(at, "session") == at.session_state["session_id"]
    at.sidebar.radio(key="view").set_value("Clinic").run()
    assert _param(at, "view") == "clinic" and _param(at, "session") is None


def test_an_address_cannot_open_another_therapists_patient(clinic_root):  # noqa: F811
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params = {"view": "person", "person": "tomas"}
    at.run()
    at.text_input(key="login_name").input("tess")
    from clinicserver import PASSWORDS

    at.text_input(key="login_password").input(PASSWORDS["tess"])
    at.button[0].click().run()
    assert not at.exception
    assert at.session_state["patient"] != "tomas"
    assert "tomas" not in at.sidebar.selectbox(key="patient").options
    assert any("not in the library you can read" in w.value for w in at.warning)
    assert "tomas" not in "".join(str(m.value) for m in at.markdown)
