"""Execute notebooks and check what they recorded.

``make test`` checks every solution notebook's smoke run: the run that grading it is (the suite's
round trip autogrades the solution version with ``DLCOURSE_SMOKE=1``; :func:`read_run` reads the
executed copy). ``make full`` (``python -m dlcourse.runner``) runs them with papermill with their
default parameters, the real lesson, and writes ``results/full_report.md``: each headline metric
beside its target. Both apply the same checks (:meth:`Run.problems`).
"""

from __future__ import annotations

import argparse
import operator
import os
import sys
import time
import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import nbformat

from .metrics import read_metrics
from .notebook import SMOKE_ENV

REPO_ROOT = Path(__file__).resolve().parents[1]
SOLUTION_DIR = REPO_ROOT / "solutions"
TARGETS_PATH = REPO_ROOT / "tests" / "metric_targets.toml"
SMOKE_BANNER = "| SMOKE mode"  # what dlcourse.setup() prints when smoke mode is on
_OPS = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt}


@dataclass
class Run:
    key: str  # "chapter/notebook.ipynb"
    seconds: float
    metrics: dict
    unexecuted: list = field(default_factory=list)  # indices of code cells that never ran
    errors: list = field(default_factory=list)  # (cell index, "Name: message") of cells that raised
    smoke: bool | None = None  # whether the setup cell announced smoke mode; None: no versions line
    error: str = ""  # the executor's own failure (papermill stops at the first error)

    def problems(self, targets: dict, budget: float | None = None, smoke: bool = True) -> list[str]:
        """What is wrong with this run, as sentences; empty when it passes every check.

        ``targets`` is the notebook's table in tests/metric_targets.toml: smoke bounds are checked
        in a smoke run, the full target otherwise."""
        found = []
        if self.error:
            found.append(f"failed: {self.error}")
        found += [f"code cell {i} raised {what}" for i, what in self.errors]
        if self.unexecuted:
            found.append(f"code cells {self.unexecuted} never ran (a sys.exit or an early stop?)")
        if self.smoke is None:
            found.append("its first cell did not print dlcourse.setup()'s versions line")
        elif self.smoke != smoke:
            found.append(f"ran in {'smoke' if self.smoke else 'full'} mode, expected {'smoke' if smoke else 'full'}")
        if budget is not None and self.seconds > budget:
            found.append(f"took {self.seconds:.0f} s, budget {budget:.0f} s")
        if not targets:
            found.append("has no headline metric in tests/metric_targets.toml")
        for metric, spec in targets.items():
            value = self.metrics.get(metric)
            if value is None:
                found.append(f"did not record {metric!r} (recorded: {sorted(self.metrics)})")
            elif not within(value, spec, smoke):
                found.append(f"{metric} = {value} misses its {'smoke bounds' if smoke else 'full target'} "
                             f"{target_text(spec, smoke)}")
        return found


def solution_notebooks() -> list[Path]:
    return sorted(SOLUTION_DIR.glob("*/*.ipynb"))


def _stamp(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def cell_seconds(nb) -> float | None:
    """Seconds from the first code cell's start to the last one's end, from the timings nbclient
    records in each cell's metadata (papermill and nbgrader both execute through nbclient)."""
    starts, ends = [], []
    for cell in nb["cells"]:
        timing = cell.get("metadata", {}).get("execution", {})
        if "iopub.status.busy" in timing:
            starts.append(_stamp(timing["iopub.status.busy"]))
        end = timing.get("iopub.status.idle") or timing.get("shell.execute_reply")
        if end:
            ends.append(_stamp(end))
    return (max(ends) - min(starts)).total_seconds() if starts and ends else None


def analyse(nb, key: str, seconds: float, error: str = "") -> Run:
    """The checks' raw material from an executed notebook: cells that never ran or raised, the
    recorded metrics, and whether the setup cell announced smoke mode."""
    unexecuted, errors = [], []
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code" or not cell["source"].strip():
            continue
        if cell.get("execution_count") is None:
            unexecuted.append(i)
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                errors.append((i, f"{output.get('ename')}: {str(output.get('evalue'))[:300]}"))
    setup_text = ""
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    if code:
        setup_text = "".join(o.get("text", "") for o in code[0].get("outputs", []) if o.get("output_type") == "stream")
    smoke = (SMOKE_BANNER in setup_text) if "Python " in setup_text else None
    return Run(key, seconds, read_metrics(nb), unexecuted, errors, smoke, error)


def read_run(path: Path, key: str) -> Run:
    """The run recorded in an executed notebook on disk (e.g. one that nbgrader autograded)."""
    nb = nbformat.read(path, as_version=4)
    return analyse(nb, key, cell_seconds(nb) or 0.0)


def execute(notebook: Path, output: Path, smoke: bool, timeout: float | None = None) -> Run:
    """Run ``notebook`` with papermill (``SMOKE`` injected), saving the executed copy to ``output``."""
    import papermill

    env_before = os.environ.get(SMOKE_ENV)
    os.environ[SMOKE_ENV] = "1" if smoke else "0"
    start = time.perf_counter()
    error = ""
    try:
        papermill.execute_notebook(str(notebook), str(output), parameters={"SMOKE": smoke},
                                   cwd=str(notebook.parent), kernel_name="dlcourse",
                                   progress_bar=False, execution_timeout=timeout)
    except Exception as exc:  # papermill's own error names the failing cell
        error = f"{type(exc).__name__}: {str(exc)[-2000:]}"
    finally:
        if env_before is None:
            os.environ.pop(SMOKE_ENV, None)
        else:
            os.environ[SMOKE_ENV] = env_before
    seconds = time.perf_counter() - start
    nb = nbformat.read(output, as_version=4) if output.exists() else {"cells": []}
    return analyse(nb, f"{notebook.parent.name}/{notebook.name}", seconds, error)


def load_targets(path: Path = TARGETS_PATH) -> dict:
    """``{"01_tf_basics/03_autodiff.ipynb": {"final_loss": {"smoke": [lo, hi], "full": "<= 1e-3"}}}``"""
    with open(path, "rb") as f:
        return tomllib.load(f)


def meets(value: float, target: str) -> bool:
    """Whether ``value`` meets a target written as e.g. ``">= 0.98"``."""
    op, number = target.split()
    return _OPS[op](value, float(number))


def within(value: float, spec: dict, smoke: bool) -> bool:
    """Whether ``value`` passes a metric's smoke bounds ``[low, high]`` or its full target."""
    return spec["smoke"][0] <= value <= spec["smoke"][1] if smoke else meets(value, spec["full"])


def target_text(spec: dict, smoke: bool) -> str:
    return f"[{spec['smoke'][0]:g}, {spec['smoke'][1]:g}]" if smoke else spec["full"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dlcourse.runner", description="run notebooks in full mode")
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every solution notebook")
    parser.add_argument("--smoke", action="store_true", help="smoke mode instead of the full lesson")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "results")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    targets = load_targets()
    lines = ["| notebook | metric | value | target | met | time (s) |", "|---|---|---|---|---|---|"]
    failed = False
    for nb in args.notebooks or solution_notebooks():
        nb = nb.resolve()
        key = f"{nb.parent.name}/{nb.name}"
        print(f"running {key} ({'smoke' if args.smoke else 'full'}) ...", flush=True)
        run = execute(nb, args.out / f"{nb.parent.name}__{nb.name}", smoke=args.smoke)
        problems = run.problems(targets.get(key, {}), smoke=args.smoke)
        failed |= bool(problems)
        for problem in problems:
            print(f"  PROBLEM: {problem}")
        for metric, spec in targets.get(key, {}).items():
            value = run.metrics.get(metric)
            ok = value is not None and within(value, spec, args.smoke)
            lines.append(f"| {key} | {metric} | {value if value is None else f'{value:.4g}'} "
                         f"| {target_text(spec, args.smoke)} "
                         f"| {'yes' if ok else 'NO'} | {run.seconds:.0f} |")
        if run.error:
            lines.append(f"| {key} | (error) | {run.error.splitlines()[0][:80]} | | NO | {run.seconds:.0f} |")
    report = args.out / ("smoke_report.md" if args.smoke else "full_report.md")
    report.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    print(f"report: {report}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
