"""Execute notebooks with papermill and check what they recorded.

``make test`` runs every solution notebook in smoke mode through :func:`execute`;
``make full`` (``python -m dlcourse.runner``) runs them with their default parameters, the
real lesson, and writes ``results/full_report.md``: each headline metric beside its target.
"""

from __future__ import annotations

import argparse
import operator
import os
import sys
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .metrics import read_metrics
from .notebook import SMOKE_ENV

REPO_ROOT = Path(__file__).resolve().parents[1]
SOLUTION_DIR = REPO_ROOT / "solutions"
TARGETS_PATH = REPO_ROOT / "tests" / "metric_targets.toml"
_OPS = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt}


@dataclass
class Run:
    notebook: Path
    seconds: float
    metrics: dict
    unexecuted: list = field(default_factory=list)  # indices of code cells that never ran
    error: str = ""


def solution_notebooks() -> list[Path]:
    return sorted(SOLUTION_DIR.glob("*/*.ipynb"))


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
    unexecuted = [i for i, c in enumerate(nb["cells"])
                  if c["cell_type"] == "code" and c["source"].strip() and c.get("execution_count") is None]
    return Run(notebook, seconds, read_metrics(nb), unexecuted, error)


def load_targets(path: Path = TARGETS_PATH) -> dict:
    """``{"01_tf_basics/03_autodiff.ipynb": {"final_loss": {"smoke": [lo, hi], "full": "<= 1e-3"}}}``"""
    with open(path, "rb") as f:
        return tomllib.load(f)


def meets(value: float, target: str) -> bool:
    """Whether ``value`` meets a target written as e.g. ``">= 0.98"``."""
    op, number = target.split()
    return _OPS[op](value, float(number))


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
        failed |= bool(run.error)
        for metric, spec in targets.get(key, {}).items():
            value = run.metrics.get(metric)
            ok = value is not None and meets(value, spec["full"])
            failed |= not ok
            lines.append(f"| {key} | {metric} | {value if value is None else f'{value:.4g}'} | {spec['full']} "
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
