"""nbgrader configuration of the course. nbgrader reads it from the folder it is started in,
so run nbgrader (and the formgrader: `make formgrader`) from autograde/."""

c = get_config()  # noqa: F821 (provided by traitlets when nbgrader loads this file)

c.CourseDirectory.course_id = "dlcourse"

# Full-mode training cells run for minutes; nbgrader's default of 30 s per cell kills them.
# Grading normally runs in smoke mode (DLCOURSE_SMOKE=1, set by `make autograde`), where
# no cell comes near this limit; an endless loop is interrupted after it and graded zero.
c.Execute.timeout = 1200
c.Execute.interrupt_on_timeout = True

# nbgrader gives zero to a test cell with any stderr output. TensorFlow and Keras write
# log lines and warnings to stderr that say nothing about the student's answer.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = (
    r"(^|\n)(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: [IWE] |[IWE]\d{4} \d\d:\d\d:\d+\.\d+ +\d+ |"
    r"WARNING: All log messages before absl|.*(User|Deprecation|Future|Runtime|Pending)Warning: |"
    r"WARNING:tensorflow:|WARNING:absl:)"
)

# A submission whose graded cells were deleted gets them back (and scores zero on them).
c.OverwriteCells.add_missing_cells = True

# Solutions: the master with outputs cleared and hidden tests removed, never executed.
c.GenerateSolution.preprocessors = [
    "nbgrader.preprocessors.IncludeHeaderFooter",
    "nbgrader.preprocessors.LockCells",
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.ClearMarkScheme",
    "nbgrader.preprocessors.ClearHiddenTests",
]

# Feedback shows each test's verdict and message, never the hidden tests' source.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbgrader.preprocessors.ClearHiddenTests",
    "dlcourse.nbgrader_ext.ShortTracebacks",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
