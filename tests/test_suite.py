"""The suite's own scheduling: under pytest-xdist each chapter's tests go to one worker."""

from __future__ import annotations

import pytest

from conftest import COLLECTED, chapter_scope


def test_chapter_scope_reads_the_chapter_from_the_parameter_id():
    assert chapter_scope("tests/test_grading.py::test_solution_version_gets_full_autograded_marks[03_cnn]") == "03_cnn"
    assert chapter_scope("tests/test_notebooks.py::test_solution_notebook_runs_in_smoke_mode"
                         "[07_rl/04_dqn.ipynb]") == "07_rl"
    # Not a chapter's test: these keep their module's unit.
    assert chapter_scope("tests/test_grading.py::test_flooded_output_is_truncated_and_graded") is None
    assert chapter_scope("tests/test_release.py::test_x[autograde/source/01_tf_basics/01_tensors.ipynb]") is None
    assert chapter_scope("tests/test_data.py::test_x[99_not_a_chapter]") is None


def test_each_chapter_test_collected_is_scheduled_with_its_chapter():
    """Every test collected (selected or not) that takes a chapter or a master carries that chapter
    in its id, so that a renamed parameter id cannot silently split a chapter over two workers,
    which would grade it twice."""
    checked = 0
    for item in COLLECTED:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if "master" in params:
            expected = params["master"].parent.name
        elif "chapter" in params:
            expected = params["chapter"]
        else:
            continue
        assert chapter_scope(item.nodeid) == expected, f"{item.nodeid} would not run with chapter {expected}"
        checked += 1
    if not checked:
        pytest.skip("collect tests/test_grading.py and tests/test_notebooks.py too (plain `pytest` does)")


def test_round_trip_tests_take_the_chapter_parameter():
    """The round trip is computed per worker process: only tests scheduled with their chapter may use it."""
    users = [item for item in COLLECTED if "round_trips" in getattr(item, "fixturenames", ())]
    if not users:
        pytest.skip("collect tests/test_grading.py and tests/test_notebooks.py too (plain `pytest` does)")
    for item in users:
        params = getattr(getattr(item, "callspec", None), "params", {})
        assert "chapter" in params or "master" in params, f"{item.nodeid} uses round_trips without a chapter"
