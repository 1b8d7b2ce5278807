"""The layout keeps its promises: imports follow the data flow, files and functions stay small,
and ``pip install`` puts only ``holdtrack`` into site-packages."""

from __future__ import annotations

import ast
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Folder in the repository -> the package it installs as.
PACKAGES = {
    "holdtrack": "holdtrack",
    "analysis": "holdtrack.analysis",
    "sensing": "holdtrack.sensing",
    "simulation": "holdtrack.simulation",
    "dashboard": "holdtrack.dashboard",
    "library": "holdtrack.library",
    "server": "holdtrack.server",
    "coaching": "holdtrack.coaching",
}
MAX_FILE_LINES = 400
MAX_FUNCTION_LINES = 60


def sources() -> list[Path]:
    """Every Python file of the project (tests and benchmarks included)."""
    folders = [*PACKAGES, "tests", "benchmarks", "sample_data"]
    return sorted(p for f in folders for p in (ROOT / f).rglob("*.py"))


def package_of(path: Path) -> str:
    """The installed module name of a source file."""
    rel = path.relative_to(ROOT)
    parts = [PACKAGES[rel.parts[0]], *rel.parts[1:]]
    name = ".".join(parts)[: -len(".py")]
    return name.removesuffix(".__init__")


def imports_of(path: Path) -> set[str]:
    """Every holdtrack module a file imports, at any depth (lazy imports inside functions too)."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
            out |= {f"{node.module}.{a.name}" for a in node.names}
    return {m for m in out if m == "holdtrack" or m.startswith("holdtrack.")}


def within(module: str, *allowed: str) -> bool:
    """Whether ``module`` is one of ``allowed`` or inside one of them."""
    return any(module == a or module.startswith(a + ".") for a in allowed)


def modules_in(folder: str) -> list[tuple[Path, set[str]]]:
    """(file, holdtrack modules it imports) for every file in a top folder."""
    return [(p, imports_of(p)) for p in sorted((ROOT / folder).rglob("*.py"))]


def test_analysis_imports_nothing_else_of_the_project():
    for path, mods in modules_in("analysis"):
        wrong = {m for m in mods if not within(m, "holdtrack.analysis")}
        assert not wrong, f"{path.name} imports {wrong}"


def test_sensing_imports_only_the_column_schema_of_analysis():
    for path, mods in modules_in("sensing"):
        wrong = {m for m in mods if not within(m, "holdtrack.sensing", "holdtrack.analysis.schema")}
        assert not wrong, f"{path.relative_to(ROOT)} imports {wrong}"


def test_coaching_takes_only_the_analysis_events():
    for path, mods in modules_in("coaching"):
        wrong = {m for m in mods if not within(m, "holdtrack.coaching", "holdtrack.analysis")}
        assert not wrong, f"{path.relative_to(ROOT)} imports {wrong}"


@pytest.mark.parametrize("folder", ["analysis", "sensing", "library", "dashboard", "coaching"])
def test_the_real_path_never_imports_the_simulation_wing(folder: str):
    for path, mods in modules_in(folder):
        wrong = {m for m in mods if within(m, "holdtrack.simulation")}
        assert not wrong, f"{path.relative_to(ROOT)} imports {wrong}"


def test_the_library_serves_the_views_and_never_imports_them():
    for path, mods in modules_in("library"):
        wrong = {m for m in mods if within(m, "holdtrack.dashboard")}
        assert not wrong, f"{path.relative_to(ROOT)} imports {wrong}"


def test_nothing_imports_the_command_line_package():
    cli = ("holdtrack.cli", "holdtrack.commands", "holdtrack.live_display", "holdtrack.__main__")
    for folder in ("analysis", "sensing", "simulation", "library", "dashboard", "coaching"):
        for path, mods in modules_in(folder):
            wrong = {m for m in mods if within(m, *cli)}
            assert not wrong, f"{path.relative_to(ROOT)} imports {wrong}"


def test_every_import_names_a_real_module():
    import importlib.util

    for path in sources():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            for mod in names:
                if within(mod, "holdtrack"):
                    where = f"{path.relative_to(ROOT)}:{node.lineno}"
                    assert importlib.util.find_spec(mod), f"{where} imports {mod}: no such module"


def test_files_and_functions_stay_small():
    too_long = []
    for path in sources():
        text = path.read_text()
        if text.count("\n") > MAX_FILE_LINES:
            too_long.append(f"{path.relative_to(ROOT)}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                n = node.end_lineno - node.lineno + 1
                if n > MAX_FUNCTION_LINES:
                    too_long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}: {n}")
    assert not too_long, "\n".join(too_long)


def test_module_names_match_their_folders():
    assert package_of(ROOT / "analysis" / "schema.py") == "holdtrack.analysis.schema"
    assert package_of(ROOT / "sensing" / "session" / "__init__.py") == "holdtrack.sensing.session"


def test_the_wheel_installs_only_holdtrack(tmp_path: Path):
    """``pip install .`` must not put ``analysis``, ``sensing`` or ``dashboard`` at the top of
    site-packages, and must carry every subpackage and the sample sessions."""
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (wheel,) = tmp_path.glob("holdtrack-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert tops == {"holdtrack"}
    for folder, package in PACKAGES.items():
        for path in (ROOT / folder).rglob("*.py"):
            inside = package.replace(".", "/") + "/" + str(path.relative_to(ROOT / folder))
            assert inside in names, f"{inside} missing from the wheel"
    assert "holdtrack/sample_data/samples.json" in names
    assert "holdtrack/sample_data/mixed_imu_wall.parquet" in names
