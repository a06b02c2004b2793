"""Grading round trip and robustness, each in a temporary nbgrader course.

nbgrader's `validate` exits 0 even when validation fails, so verdicts here are read from
the gradebook that `nbgrader autograde` fills. A chapter's round trip is computed once per
process (`round_trips` in tests/conftest.py), and under pytest-xdist all of a chapter's tests
share one worker, so each chapter is graded once per run. The same autograde of the solution
version is the notebooks' smoke run that tests/test_notebooks.py checks.
"""

from __future__ import annotations

import copy
import html
import re
from pathlib import Path

import nbformat
import pytest

from dlcourse import grading, runner

pytestmark = pytest.mark.slow
REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def graded_chapter(chapter, round_trips):
    """(course folder, chapter, totals) after autograding the solution and the untouched student version."""
    result = round_trips.get(chapter)
    return result.course, chapter, result.totals


def test_solution_version_gets_full_autograded_marks(chapter, round_trips, record_property):
    result = round_trips.get(chapter)
    record_property("chapter", chapter)
    for part, seconds in result.seconds.items():
        record_property(f"chapter_seconds:{part}", seconds)
    score, maximum = result.totals["solution"]
    assert maximum > 0 and score == maximum, f"{chapter}: solution scored {score} / {maximum}"


def test_untouched_student_version_scores_zero(chapter, round_trips, record_property):
    result = round_trips.get(chapter)
    record_property("chapter", chapter)
    for student, part in (("solution", "smoke"), ("untouched", "untouched")):
        seconds = [runner.cell_seconds(nbformat.read(nb, as_version=4)) or 0.0
                   for nb in result.graded(student).glob("*.ipynb")]
        record_property(f"chapter_seconds:{part}", sum(seconds))
    score, maximum = result.totals["untouched"]
    assert maximum == result.totals["solution"][1], "the grader skipped cells of the untouched version"
    assert score == 0, f"{chapter}: the untouched student version scored {score} / {maximum}"


def test_feedback_shows_verdicts_but_never_hidden_test_source(graded_chapter):
    course, chapter, _ = graded_chapter
    grading.feedback(course, [chapter])
    hidden_lines = set()
    for master in (course / "source" / chapter).glob("*.ipynb"):
        for cell in nbformat.read(master, as_version=4).cells:
            if "BEGIN HIDDEN TESTS" in cell.source:
                region = cell.source.split("### BEGIN HIDDEN TESTS")[1].split("### END HIDDEN TESTS")[0]
                hidden_lines |= {line.strip() for line in region.splitlines() if len(line.strip()) > 25}
    assert hidden_lines
    pages = list((course / "feedback").glob(f"*/{chapter}/*.html"))
    assert len(pages) == 2 * len(list((course / "source" / chapter).glob("*.ipynb")))
    for page in pages:
        page_html = page.read_text(encoding="utf-8")
        # Code is syntax-highlighted token by token: strip the tags to compare plain text.
        text = html.unescape(re.sub(r"<[^>]+>", "", page_html))
        # What the student wrote or was given is no leak, even where a hidden test has the same line.
        student = page.parent.parent.name
        own = nbformat.read(course / "submitted" / student / chapter / page.with_suffix(".ipynb").name, as_version=4)
        shown = "\n".join(cell.source for cell in own.cells)
        leaked = [line for line in hidden_lines if line in text and line not in shown]
        assert not leaked, f"{page.name} shows hidden test source: {leaked[:2]}"
        assert "Score" in text


def test_grades_export_and_per_exercise_report(graded_chapter):
    course, chapter, _ = graded_chapter
    written = grading.grades_report(course)
    csv = (course / "grades.csv").read_text()
    assert "solution" in csv and "untouched" in csv
    report = (course / "reports" / f"{chapter}.md").read_text()
    assert f"![per-exercise scores]({chapter}.png)" in report
    assert (course / "reports" / f"{chapter}.png").stat().st_size > 1000
    assert course / "grades.csv" in written


# --- robustness: adversarial submissions in one batch ----------------------------------------

ROBUST_NOTEBOOK = "01_tensors.ipynb"
ROBUST_CHAPTER = "01_tf_basics"


def _cells(nb, kind):
    """Indices of answer ("solution") or test ("tests") cells."""
    key = "solution" if kind == "solution" else "grade"
    return [i for i, c in enumerate(nb.cells)
            if c.metadata.get("nbgrader", {}).get(key) and c.cell_type == "code"
            and (kind == "solution" or not c.metadata["nbgrader"].get("solution"))]


def _write(course, student, nb=None, raw=None):
    folder = course / "submitted" / student / ROBUST_CHAPTER
    folder.mkdir(parents=True)
    (folder / "timestamp.txt").write_text("2026-01-01 00:00:00.000000 UTC\n")
    target = folder / ROBUST_NOTEBOOK
    target.write_text(raw if raw is not None else nbformat.writes(nb), encoding="utf-8")


@pytest.fixture(scope="module")
def robustness_batch(tmp_path_factory):
    root = tmp_path_factory.mktemp("robust")
    course = grading.temp_course(root / "course", [ROBUST_CHAPTER])
    for nb in (course / "source" / ROBUST_CHAPTER).glob("*.ipynb"):
        if nb.name != ROBUST_NOTEBOOK:
            nb.unlink()
    grading.release(course, [ROBUST_CHAPTER], student_dir=root / "student", solution_dir=root / "solution")
    solution = nbformat.read(root / "solution" / ROBUST_CHAPTER / ROBUST_NOTEBOOK, as_version=4)
    student = nbformat.read(root / "student" / ROBUST_CHAPTER / ROBUST_NOTEBOOK, as_version=4)
    answers, tests = _cells(solution, "solution"), _cells(solution, "tests")
    first_answer, first_tests = answers[0], tests[0]

    _write(course, "solution", solution)
    # Test cells rewritten to pass, with a wrong first answer: the master's tests come back.
    tampered = copy.deepcopy(solution)
    tampered.cells[first_answer].source = tampered.cells[first_answer].source.split("### BEGIN SOLUTION")[0] + "    return ()\n"
    for i in tests:
        tampered.cells[i].source = "pass"
    _write(course, "tampered", tampered)
    # Every test cell deleted from a correct submission: they are added back and pass.
    deleted = copy.deepcopy(solution)
    deleted.cells = [c for i, c in enumerate(deleted.cells) if i not in tests]
    _write(course, "deleted", deleted)
    # An answer that never returns: its test is interrupted after the per-cell timeout, the rest still graded.
    looping = copy.deepcopy(solution)
    looping.cells[first_answer].source = (looping.cells[first_answer].source.split("### BEGIN SOLUTION")[0]
                                          + "    import time\n    while True:\n        time.sleep(0.1)\n")
    _write(course, "looping", looping)
    # An answer that kills the kernel.
    crashing = copy.deepcopy(student)
    crashing.cells[first_answer].source = "import os\nos._exit(1)\n"
    _write(course, "crashing", crashing)
    # A correct answer that floods the output.
    flooding = copy.deepcopy(solution)
    flooding.cells[first_answer].source += "\nprint('x' * 10_000_000)\n"
    _write(course, "flooding", flooding)
    # A file that is not JSON at all, and a notebook with its test cell's metadata stripped.
    _write(course, "brokenjson", raw='{"cells": [ this is not json')
    stripped = copy.deepcopy(solution)
    stripped.cells[first_tests].metadata = {}
    _write(course, "stripped", stripped)

    log = grading.nbgrader(course, "autograde", ROBUST_CHAPTER, "--force", "--Execute.timeout=20",
                           smoke=True, check=False, timeout=900)
    return grading.autograded_totals(course, ROBUST_CHAPTER), log, len(tests)


def test_adversarial_batch_grades_every_well_formed_submission(robustness_batch):
    totals, log, _ = robustness_batch
    for student in ("solution", "tampered", "deleted", "looping", "flooding", "stripped"):
        assert student in totals, f"{student} was not graded:\n{log[-3000:]}"


def test_correct_submission_gets_full_marks_in_the_batch(robustness_batch):
    totals, _, _ = robustness_batch
    assert totals["solution"][0] == totals["solution"][1] > 0


def test_tampered_test_cells_are_restored_from_the_gradebook(robustness_batch):
    totals, _, n_tests = robustness_batch
    score, maximum = totals["tampered"]
    assert 0 < score < maximum, f"tampered tests should lose the first exercise's points only, got {score}/{maximum}"


def test_deleted_test_cells_are_added_back_and_graded(robustness_batch):
    totals, _, _ = robustness_batch
    assert totals["deleted"] == totals["solution"]


def test_endless_answer_is_interrupted_and_the_rest_still_graded(robustness_batch):
    totals, _, _ = robustness_batch
    score, maximum = totals["looping"]
    assert 0 < score < maximum


def test_crashing_kernel_scores_zero_without_stopping_the_batch(robustness_batch):
    totals, _, _ = robustness_batch
    assert totals.get("crashing", (0.0, 0.0))[0] == 0


def test_flooded_output_is_truncated_and_graded(robustness_batch):
    totals, _, _ = robustness_batch
    assert totals["flooding"] == totals["solution"]


def test_broken_json_submission_is_reported_and_scores_nothing(robustness_batch):
    totals, log, _ = robustness_batch
    assert totals.get("brokenjson", (0.0, 0.0))[0] == 0
    assert "brokenjson" in log


def test_stripped_metadata_does_not_dodge_the_tests(robustness_batch):
    totals, _, _ = robustness_batch
    assert totals["stripped"] == totals["solution"]
