"""The nbgrader side of the course: release, autograde, feedback, grade reports.

Every command runs nbgrader in a course folder that holds ``nbgrader_config.py``:
``autograde/`` for the instructor, or a temporary copy for the tests. Usage::

    python -m dlcourse.grading release [CHAPTER ...]     # masters -> notebooks/ and solutions/
    python -m dlcourse.grading autograde [CHAPTER ...]   # autograde/submitted/ -> autograded/, in smoke mode
    python -m dlcourse.grading feedback [CHAPTER ...]    # autograded/ -> feedback/ (HTML)
    python -m dlcourse.grading grades                    # grades.csv and reports/<chapter>.md + .png
    python -m dlcourse.grading check MASTER.ipynb ...    # an author's check: solution full marks, stub zero,
                                                         # and the solution's smoke run checked like the suite does
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .notebook import SMOKE_ENV

REPO_ROOT = Path(__file__).resolve().parents[1]
COURSE_DIR = REPO_ROOT / "autograde"
DRAFTS_DIR = COURSE_DIR / "drafts"
STUDENT_DIR = REPO_ROOT / "notebooks"
SOLUTION_DIR = REPO_ROOT / "solutions"
KERNEL_NAME = "dlcourse"
KERNELSPEC = {"name": KERNEL_NAME, "display_name": "Python 3 (dlcourse)", "language": "python"}


class GradingError(RuntimeError):
    """nbgrader failed; the message carries its log."""


def chapters(course_dir: Path = COURSE_DIR) -> list[str]:
    """Chapter ids (nbgrader assignments) that have masters, in order."""
    return sorted(p.name for p in (course_dir / "source").iterdir() if p.is_dir() and not p.name.startswith("."))


def draft_chapters() -> list[str]:
    """Chapters still being written, with masters in ``autograde/drafts/<chapter>/`` (never released)."""
    return sorted(p.name for p in DRAFTS_DIR.iterdir() if p.is_dir() and not p.name.startswith("."))


def masters_dir(chapter: str) -> Path:
    """The folder of a chapter's masters: ``autograde/source/<chapter>``, or its draft folder."""
    for folder in (COURSE_DIR / "source" / chapter, DRAFTS_DIR / chapter):
        if folder.is_dir():
            return folder
    raise GradingError(f"no chapter {chapter!r}: neither autograde/source/{chapter}/ nor autograde/drafts/{chapter}/ "
                       f"exists (chapters: {', '.join(chapters() + draft_chapters())})")


def nbgrader(course_dir: Path, *args: str, smoke: bool = False, timeout: float | None = None,
             check: bool = True) -> str:
    """Run one nbgrader command in ``course_dir``; raise GradingError with its log if it fails
    (unless ``check`` is False: a batch where one submission failed still returns its log)."""
    env = dict(os.environ)
    if smoke:
        env[SMOKE_ENV] = "1"
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # nbgrader runs `alembic` and the kernel from PATH: use this environment's, even when not activated.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    cmd = [sys.executable, "-m", "nbgrader", *args]
    proc = subprocess.run(cmd, cwd=course_dir, env=env, capture_output=True, text=True, timeout=timeout)
    log = proc.stdout + proc.stderr
    if check and proc.returncode != 0:
        raise GradingError(f"`nbgrader {' '.join(args)}` failed in {course_dir} (exit {proc.returncode}):\n{log[-4000:]}")
    return log


# --- release --------------------------------------------------------------------------

def normalise(path: Path) -> None:
    """Rewrite a generated notebook so that regenerating it gives identical bytes:
    no outputs, no execution counts, the course kernel, one JSON layout."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.metadata.pop("execution", None)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata.pop("widgets", None)
    nbformat.validate(nb)
    path.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")


def release(course_dir: Path = COURSE_DIR, chapter_ids=None,
            student_dir: Path = STUDENT_DIR, solution_dir: Path = SOLUTION_DIR) -> list[Path]:
    """Generate the student and solution versions of each chapter from ``course_dir/source``.

    nbgrader writes them to ``course_dir/release`` and ``course_dir/solution`` (and records the
    grade cells in the gradebook); they are then normalised into ``student_dir`` and ``solution_dir``.
    """
    written = []
    for chapter in chapter_ids or chapters(course_dir):
        nbgrader(course_dir, "generate_assignment", chapter, "--force")
        nbgrader(course_dir, "generate_solution", chapter, "--force")
        for generated, out_root in ((course_dir / "release" / chapter, student_dir),
                                    (course_dir / "solution" / chapter, solution_dir)):
            out = out_root / chapter
            if out.exists():
                shutil.rmtree(out)
            out.mkdir(parents=True)
            for nb_path in sorted(generated.glob("*.ipynb")):
                shutil.copyfile(nb_path, out / nb_path.name)
                normalise(out / nb_path.name)
                written.append(out / nb_path.name)
    return written


# --- autograde, feedback, grades ----------------------------------------------------------

def autograde(course_dir: Path = COURSE_DIR, chapter_ids=None, extra_args=()) -> None:
    """Autograde every submission in ``course_dir/submitted`` in smoke mode (see DESIGN.md)."""
    for chapter in chapter_ids or chapters(course_dir):
        # generate_assignment records the master's grade cells in the gradebook; autograde needs them.
        nbgrader(course_dir, "generate_assignment", chapter, "--force")
        # One broken submission must not stop the batch: nbgrader carries on and exits non-zero.
        log = nbgrader(course_dir, "autograde", chapter, "--force", *extra_args, smoke=True, check=False)
        log_path = course_dir / f"autograde-{chapter}.log"
        log_path.write_text(log, encoding="utf-8")
        failed = sorted(set(re.findall(r"error processing assignment '[^']+' for student '([^']+)'", log)))
        print(f"{chapter}: autograded scores (nbgrader's log: {log_path})")
        for student, (score, maximum) in sorted(autograded_totals(course_dir, chapter).items()):
            print(f"  {student:20s} {score:g} / {maximum:g}")
        for student in failed:
            print(f"  {student:20s} FAILED to autograde: see the log")


def feedback(course_dir: Path = COURSE_DIR, chapter_ids=None) -> None:
    for chapter in chapter_ids or chapters(course_dir):
        nbgrader(course_dir, "generate_feedback", chapter, "--force")
        print(f"{chapter}: feedback in {course_dir / 'feedback'}/<student>/{chapter}/")


@dataclass
class CellScore:
    chapter: str
    notebook: str
    cell: str
    auto: bool
    scores: list[float]  # one per submission graded so far (written answers wait for the formgrader)
    submissions: int
    max_score: float

    @property
    def mean_percent(self) -> float | None:
        return 100 * sum(self.scores) / len(self.scores) / self.max_score if self.scores else None


def cell_scores(course_dir: Path = COURSE_DIR) -> list[CellScore]:
    """Every graded cell of every chapter with the score of each submission graded so far."""
    from nbgrader.api import Gradebook

    rows = []
    with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}") as gb:
        for assignment in gb.assignments:
            for notebook in assignment.notebooks:
                for grade_cell in notebook.grade_cells:
                    grades = list(grade_cell.grades)
                    graded = [g for g in grades if g.manual_score is not None or g.auto_score is not None]
                    rows.append(CellScore(assignment.name, notebook.name, grade_cell.name,
                                          grade_cell.cell_type == "code", [float(g.score) for g in graded],
                                          len(grades), float(grade_cell.max_score)))
    return rows


def autograded_totals(course_dir: Path, chapter: str) -> dict[str, tuple[float, float]]:
    """Student id -> (autograded score, autograded maximum) for one chapter, from the gradebook."""
    from nbgrader.api import Gradebook

    totals = {}
    with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}") as gb:
        for submission in gb.assignment_submissions(chapter):
            score = maximum = 0.0
            for nb in submission.notebooks:
                for grade in nb.grades:
                    if grade.cell_type == "code":  # autograder test cells; markdown answers are graded by hand
                        score += float(grade.auto_score or 0.0)
                        maximum += float(grade.max_score)
            totals[submission.student.id] = (score, maximum)
    return totals


def plot_cell_scores(chapter: str, rows: list[CellScore], path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    labels = [f"{r.notebook}: {r.cell}" for r in rows]
    means = [r.mean_percent or 0.0 for r in rows]
    fig, ax = plt.subplots(figsize=(10, 0.4 * len(rows) + 1.6))
    ax.barh(labels, means, color=["tab:blue" if r.auto else "tab:orange" for r in rows])
    for y, r in enumerate(rows):
        if r.mean_percent is None:
            ax.text(1, y, "not graded yet", va="center", fontsize=8, color="tab:orange")
    ax.set_xlim(0, 100)
    ax.set_xlabel("mean score (% of the exercise's points)")
    ax.set_title(f"{chapter}: mean score per exercise")
    ax.legend(handles=[Patch(color="tab:blue", label="autograded"), Patch(color="tab:orange", label="graded by hand")],
              loc="lower right")
    ax.invert_yaxis()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def grades_report(course_dir: Path = COURSE_DIR) -> list[Path]:
    """Export grades.csv and, per chapter, a markdown report with a per-exercise plot."""
    nbgrader(course_dir, "export", "--to", str(course_dir / "grades.csv"))
    out_dir = course_dir / "reports"
    out_dir.mkdir(exist_ok=True)
    written = [course_dir / "grades.csv"]
    rows = cell_scores(course_dir)
    for chapter in sorted({r.chapter for r in rows}):
        mine = [r for r in rows if r.chapter == chapter]
        plot_cell_scores(chapter, mine, out_dir / f"{chapter}.png")
        lines = [f"# {chapter}: per-exercise report", "", f"![per-exercise scores]({chapter}.png)", "",
                 "| notebook | cell | graded | submissions | graded so far | mean | max points |",
                 "|---|---|---|---|---|---|---|"]
        for r in mine:
            mean = "not graded yet" if r.mean_percent is None else f"{r.mean_percent:.0f}%"
            lines.append(f"| {r.notebook} | {r.cell} | {'auto' if r.auto else 'by hand'} | {r.submissions} "
                         f"| {len(r.scores)} | {mean} | {r.max_score:g} |")
        (out_dir / f"{chapter}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
        written += [out_dir / f"{chapter}.md", out_dir / f"{chapter}.png"]
    return written


# --- a temporary course, for the tests ---------------------------------------------------

def temp_course(root: Path, chapter_ids=None) -> Path:
    """A fresh nbgrader course in ``root`` with the real config and masters (a draft chapter's too,
    when named), and an empty gradebook."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(COURSE_DIR / "nbgrader_config.py", root / "nbgrader_config.py")
    for chapter in chapter_ids or chapters():
        shutil.copytree(masters_dir(chapter), root / "source" / chapter)
    return root


def submit(course_dir: Path, student: str, chapter: str, notebooks_dir: Path) -> None:
    """Place a student's notebooks where ``nbgrader autograde`` looks for them."""
    dest = course_dir / "submitted" / student / chapter
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(notebooks_dir, dest)
    (dest / "timestamp.txt").write_text("2026-01-01 00:00:00.000000 UTC\n")


@dataclass
class RoundTrip:
    """A chapter graded in a temporary course: the solution version and the untouched student version.

    The solution's autograded notebooks are its smoke run (grading sets ``DLCOURSE_SMOKE=1``): the
    suite's execution checks read them (:mod:`dlcourse.runner`), so each notebook runs once per version.
    """
    course: Path
    chapter: str
    totals: dict[str, tuple[float, float]]  # student id -> (autograded score, autograded maximum)
    seconds: dict[str, float] = field(default_factory=dict)  # "release", "autograde": wall seconds

    def released(self, kind: str) -> Path:
        """The chapter's freshly released ``"student"`` or ``"solution"`` versions, normalised."""
        return self.course / f"{kind}_out" / self.chapter

    def graded(self, student: str) -> Path:
        """The folder of a submission's autograded (executed) notebooks."""
        return self.course / "autograded" / student / self.chapter


def round_trip(root: Path, chapter: str, masters: list[Path] | None = None,
               cell_timeout: float | None = None) -> RoundTrip:
    """Grade a chapter's solution and untouched student versions in a temporary course at ``root``.

    ``masters`` limits the chapter to some notebooks (an author checking one master);
    ``cell_timeout`` tightens nbgrader's per-cell timeout (the suite gives a notebook's budget).
    """
    temp_course(root, [chapter])
    if masters:
        keep = {m.name for m in masters}
        for nb in (root / "source" / chapter).glob("*.ipynb"):
            if nb.name not in keep:
                nb.unlink()
    start = time.perf_counter()
    release(root, [chapter], student_dir=root / "student_out", solution_dir=root / "solution_out")
    released = time.perf_counter()
    submit(root, "solution", chapter, root / "solution_out" / chapter)
    submit(root, "untouched", chapter, root / "student_out" / chapter)
    extra = [f"--Execute.timeout={int(cell_timeout)}"] if cell_timeout else []
    nbgrader(root, "autograde", chapter, "--force", *extra, smoke=True)
    return RoundTrip(root, chapter, autograded_totals(root, chapter),
                     {"release": released - start, "autograde": time.perf_counter() - released})


# --- command line ---------------------------------------------------------------------

def check(masters: list[str]) -> int:
    """Grade the solution and untouched student versions of some masters in a temporary course,
    and check the solution's run as the suite does (every cell ran, no error, metrics in bounds)."""
    from . import runner

    paths = [Path(m).resolve() for m in masters]
    chapter = {p.parent.name for p in paths}
    if len(chapter) != 1:
        raise SystemExit("check takes master notebooks of one chapter, e.g. autograde/source/01_tf_basics/01_tensors.ipynb")
    chapter = chapter.pop()
    targets = runner.load_targets()
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        result = round_trip(Path(tmp) / "course", chapter, paths)
        for path in sorted(result.graded("solution").glob("*.ipynb")):
            run = runner.read_run(path, f"{chapter}/{path.name}")
            found = run.problems(targets.get(run.key, {}))
            print(f"{run.key}: smoke run {run.seconds:.1f} s, metrics {run.metrics}")
            problems += [f"{run.key}: {p}" for p in found]
    for student, (score, maximum) in sorted(result.totals.items()):
        print(f"{student:10s} autograded {score:g} / {maximum:g}")
    totals = result.totals
    ok = totals["solution"][0] == totals["solution"][1] > 0 and totals["untouched"][0] == 0
    print("OK: solution full marks, untouched student version zero" if ok else "PROBLEM: expected full marks and zero")
    for problem in problems:
        print(f"PROBLEM: {problem}")
    return 0 if ok and not problems else 1


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dlcourse.grading", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["release", "autograde", "feedback", "grades", "check"])
    parser.add_argument("chapters", nargs="*",
                        help="chapter ids (default: every chapter with masters); for check: master notebooks")
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            return check(args.chapters)
        if args.command == "release":
            for path in release(chapter_ids=args.chapters):
                print(f"wrote {path.relative_to(REPO_ROOT)}")
        elif args.command == "autograde":
            autograde(chapter_ids=args.chapters)
        elif args.command == "feedback":
            feedback(chapter_ids=args.chapters)
        else:
            for path in grades_report():
                print(f"wrote {path.relative_to(REPO_ROOT)}")
    except GradingError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
