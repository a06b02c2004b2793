"""Sync: the generated notebooks match their masters, and the environment files agree."""

from __future__ import annotations

import re
import time
from pathlib import Path

import nbformat
import pytest
import yaml

from dlcourse import grading

REPO_ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = grading.chapters()
MASTERS = sorted((REPO_ROOT / "autograde" / "source").glob("*/*.ipynb"))
GENERATED = sorted((REPO_ROOT / "notebooks").glob("*/*.ipynb")) + sorted((REPO_ROOT / "solutions").glob("*/*.ipynb"))


def rel(path: Path) -> str:
    return str(path.relative_to(REPO_ROOT))


@pytest.mark.slow
def test_regenerating_changes_nothing_in_notebooks_and_solutions(chapter, round_trips):
    """The chapter's round trip released its masters afresh: the committed versions must be those bytes."""
    if chapter not in CHAPTERS:
        pytest.skip(f"{chapter} is a draft: it has no released versions yet")
    result = round_trips.get(chapter)
    for kind, out in (("notebooks", "student"), ("solutions", "solution")):
        fresh = {p.name: p.read_bytes() for p in result.released(out).glob("*.ipynb")}
        committed = {p.name: p.read_bytes() for p in (REPO_ROOT / kind / chapter).glob("*.ipynb")}
        assert sorted(fresh) == sorted(committed), f"{kind}/{chapter}/ holds other notebooks than the masters give: run make release"
        stale = [name for name in fresh if fresh[name] != committed[name]]
        assert not stale, f"{kind}/{chapter}/ is out of date with autograde/source/ for {stale}: run make release"


@pytest.mark.slow
def test_releasing_twice_gives_identical_bytes(chapter, round_trips, tmp_path, record_property):
    result = round_trips.get(chapter)
    start = time.perf_counter()
    grading.release(result.course, [chapter], student_dir=tmp_path / "student", solution_dir=tmp_path / "solution")
    record_property("chapter", chapter)
    record_property("chapter_seconds:release_again", time.perf_counter() - start)
    for out in ("student", "solution"):
        again = sorted((tmp_path / out / chapter).glob("*.ipynb"))
        assert [p.name for p in again] == sorted(p.name for p in result.released(out).glob("*.ipynb"))
        for path in again:
            assert path.read_bytes() == (result.released(out) / path.name).read_bytes(), f"{out}: {path.name}"


def test_released_folders_hold_exactly_the_chapters_with_masters():
    for kind in ("notebooks", "solutions"):
        on_disk = sorted(p.name for p in (REPO_ROOT / kind).iterdir() if p.is_dir())
        assert on_disk == CHAPTERS, f"{kind}/ holds {on_disk}, autograde/source/ {CHAPTERS}: run make release"


def test_every_master_has_a_student_and_a_solution_version():
    assert MASTERS, "no masters in autograde/source/"
    for master in MASTERS:
        chapter, name = master.parent.name, master.name
        assert (REPO_ROOT / "notebooks" / chapter / name).exists(), f"no student version of {rel(master)}"
        assert (REPO_ROOT / "solutions" / chapter / name).exists(), f"no solution version of {rel(master)}"


@pytest.mark.parametrize("path", MASTERS + GENERATED, ids=rel)
def test_notebook_has_a_parameters_cell_with_smoke_and_uses_the_course_kernel(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata.kernelspec["name"] == grading.KERNEL_NAME
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "exactly one cell must be tagged parameters"
    assert re.search(r"^SMOKE\s*=", tagged[0].source, re.M), "the parameters cell must set SMOKE"
    first_code = [c for c in nb.cells if c.cell_type == "code"][:2]
    assert tagged[0] is first_code[1], "the parameters cell comes right after the setup cell"
    assert "dlcourse.setup()" in first_code[0].source


@pytest.mark.parametrize("path", MASTERS + GENERATED, ids=rel)
def test_notebook_is_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, "clear outputs before committing"


def test_student_versions_hide_solutions_and_hidden_tests():
    for path in (REPO_ROOT / "notebooks").glob("*/*.ipynb"):
        text = path.read_text(encoding="utf-8")
        assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text, rel(path)


def test_solution_versions_have_no_hidden_tests():
    for path in (REPO_ROOT / "solutions").glob("*/*.ipynb"):
        assert "BEGIN HIDDEN TESTS" not in path.read_text(encoding="utf-8"), rel(path)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_has_six_autograded_exercises_and_a_written_answer(chapter):
    auto = manual = 0
    for master in (REPO_ROOT / "autograde" / "source" / chapter).glob("*.ipynb"):
        for cell in nbformat.read(master, as_version=4).cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("grade") and cell.cell_type == "code":
                auto += 1
                assert "BEGIN HIDDEN TESTS" in cell.source, f"{master.name}:{meta['grade_id']} has no hidden tests"
                assert meta.get("points", 0) > 0
            elif meta.get("grade") and meta.get("solution") and cell.cell_type == "markdown":
                manual += 1
    assert auto >= 6, f"{chapter}: {auto} autograded test cells, want at least 6"
    assert manual >= 1, f"{chapter}: no written answer graded by hand"


def requirement_lines(text: str) -> list[str]:
    return sorted(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def test_requirements_are_exact_pins():
    for line in requirement_lines((REPO_ROOT / "requirements.txt").read_text()):
        assert re.match(r"^[A-Za-z0-9_.\-\[\]]+==[0-9][^;\s]*(\s*;.*)?$", line), f"not an exact pin: {line}"


def test_environment_yml_pins_exactly_what_requirements_pins():
    env = yaml.safe_load((REPO_ROOT / "environment.yml").read_text())
    assert "python=3.11" in env["dependencies"]
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    pins = sorted(p for p in pip_section if not p.startswith("-e"))
    assert pins == requirement_lines((REPO_ROOT / "requirements.txt").read_text())
