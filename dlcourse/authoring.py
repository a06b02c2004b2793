"""Edit a master notebook as text, then turn it back into the ``.ipynb`` that nbgrader reads.

The masters in ``autograde/source/`` are the only notebooks edited by hand; this module lets
you edit them in any text editor, with nbgrader's cell roles written in short headers::

    python -m dlcourse.authoring to-text  autograde/source/01_tf_basics/01_tensors.ipynb  lesson.py
    # ... edit lesson.py ...
    python -m dlcourse.authoring to-notebook lesson.py autograde/source/01_tf_basics/01_tensors.ipynb
    make release

Cell headers (one per cell, py:percent style)::

    # %% [markdown]                         a markdown cell
    # %%                                    a code cell
    # %% parameters                         the cell tagged `parameters` (papermill)
    # %% solution id=softmax                an answer cell (### BEGIN/END SOLUTION inside)
    # %% tests id=softmax_tests points=2    an autograded test cell, locked
    # %% [markdown] answer id=why points=2  a written answer, graded by hand
    # %% [markdown] locked id=why_prompt    a locked markdown cell (e.g. the question)

The text file is a working copy: commit the ``.ipynb`` only.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

HEADER = re.compile(r"^# %%(?: \[(markdown)\])?(.*)$")
KERNELSPEC = {"name": "dlcourse", "display_name": "Python 3 (dlcourse)", "language": "python"}


def _nbgrader(role: str, opts: dict) -> dict:
    base = {"schema_version": 3, "grade_id": opts["id"], "task": False}
    if role == "solution":
        return {**base, "solution": True, "grade": False, "locked": False}
    if role == "tests":
        return {**base, "solution": False, "grade": True, "locked": True, "points": float(opts["points"])}
    if role == "answer":
        return {**base, "solution": True, "grade": True, "locked": False, "points": float(opts["points"])}
    if role == "locked":
        return {**base, "solution": False, "grade": False, "locked": True}
    raise ValueError(f"unknown cell role {role!r}")


def _strip_markdown(lines: list[str]) -> str:
    return "\n".join(line[2:] if line.startswith("# ") else line.lstrip("#") for line in lines)


def text_to_notebook(text: str):
    """Parse the text format above into an nbformat v4 notebook."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = {"name": "python"}
    cells: list[tuple[str | None, str, list[str]]] = []
    for line in text.splitlines():
        match = HEADER.match(line)
        if match:
            cells.append((match.group(1), match.group(2).strip(), []))
        elif cells:
            cells[-1][2].append(line)
    for kind, header, body in cells:
        while body and not body[-1].strip():
            body.pop()
        words = header.split()
        role = words[0] if words and "=" not in words[0] else ""
        opts = dict(w.split("=", 1) for w in words if "=" in w)
        if kind == "markdown":
            cell = nbformat.v4.new_markdown_cell(_strip_markdown(body))
        else:
            cell = nbformat.v4.new_code_cell("\n".join(body))
        if role == "parameters":
            cell.metadata["tags"] = ["parameters"]
        elif role:
            cell.metadata["nbgrader"] = _nbgrader(role, opts)
        cell.pop("id", None)
        nb.cells.append(cell)
    nb.nbformat_minor = 4  # no cell ids: nbgrader 0.9 and papermill agree on this minor version
    return nb


def notebook_to_text(nb) -> str:
    """The inverse of :func:`text_to_notebook`."""
    parts = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        header = "# %%" + (" [markdown]" if cell.cell_type == "markdown" else "")
        if "parameters" in cell.metadata.get("tags", []):
            header += " parameters"
        elif meta:
            if meta.get("grade") and meta.get("solution"):
                role = "answer"
            elif meta.get("grade"):
                role = "tests"
            elif meta.get("solution"):
                role = "solution"
            else:
                role = "locked"
            header += f" {role} id={meta['grade_id']}"
            if "points" in meta and meta.get("grade"):
                header += f" points={meta['points']:g}"
        body = cell.source
        if cell.cell_type == "markdown":
            body = "\n".join(("# " + line) if line else "#" for line in body.splitlines())
        parts.append(header + "\n" + body)
    return "\n\n".join(parts) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dlcourse.authoring", description=__doc__.splitlines()[0])
    parser.add_argument("direction", choices=["to-text", "to-notebook"])
    parser.add_argument("source", type=Path)
    parser.add_argument("dest", type=Path)
    args = parser.parse_args(argv)
    if args.direction == "to-text":
        args.dest.write_text(notebook_to_text(nbformat.read(args.source, as_version=4)), encoding="utf-8")
    else:
        nb = text_to_notebook(args.source.read_text(encoding="utf-8"))
        nbformat.validate(nb)
        args.dest.parent.mkdir(parents=True, exist_ok=True)
        args.dest.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
    print(f"wrote {args.dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
