"""nbgrader preprocessors of this course, named in ``autograde/nbgrader_config.py``."""

from __future__ import annotations

from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader import utils


class ShortTracebacks(NbGraderPreprocessor):
    """In feedback, reduce a failed test cell's traceback to its last line.

    The last line is the assert's message, written to teach; the frames above it would
    quote the hidden tests' source, which feedback must not reveal.
    """

    def preprocess_cell(self, cell, resources, cell_index):
        if cell.cell_type == "code" and utils.is_grade(cell):
            for output in cell.get("outputs", []):
                if output.output_type == "error":
                    output.traceback = [f"{output.ename}: {output.evalue}"]
        return cell, resources
