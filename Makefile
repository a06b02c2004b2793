# The course's commands. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.dlcourse-installed
KERNEL := dlcourse
CHAPTER ?=
# pytest-xdist workers for `make test`; each chapter's tests stay on one worker (tests/conftest.py).
# TEST_WORKERS=0 runs the suite in this one process.
TEST_WORKERS ?= 2

.DEFAULT_GOAL := help
.PHONY: help setup lab test release autograde feedback grades formgrader data full clean

help:  ## list the commands
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'
	@echo "  (CHAPTER=01_tf_basics limits test/release/autograde/feedback to one chapter; for test it may be a draft)"

setup: $(STAMP)  ## create .venv, install the pins and the package, register the kernel (once)
	@echo "Environment is current: $(VENV) (kernel '$(KERNEL)'). Data: $(PY) -m dlcourse.data status"

$(STAMP): requirements.txt pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.11 or run make PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	# The kernel keeps TensorFlow's C++ info lines out of every notebook (errors still show).
	$(PY) -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python 3 ($(KERNEL))" --env TF_CPP_MIN_LOG_LEVEL 2
	$(PY) -m dlcourse.data status
	@touch $(STAMP)

lab: $(STAMP)  ## open JupyterLab on notebooks/ (sets up on first use)
	cd notebooks && ../$(VENV)/bin/jupyter lab

test: $(STAMP)  ## run the whole test suite (unit, sync, grading round trip, notebooks in smoke mode)
	$(PY) -m pytest -n $(TEST_WORKERS) $(foreach chapter,$(CHAPTER),--chapter $(chapter))

release: $(STAMP)  ## regenerate notebooks/ and solutions/ from autograde/source/
	$(PY) -m dlcourse.grading release $(CHAPTER)

autograde: $(STAMP)  ## autograde autograde/submitted/<student>/<chapter>/ in smoke mode
	$(PY) -m dlcourse.grading autograde $(CHAPTER)

feedback: $(STAMP)  ## write HTML feedback to autograde/feedback/
	$(PY) -m dlcourse.grading feedback $(CHAPTER)

grades: $(STAMP)  ## export autograde/grades.csv and per-exercise reports in autograde/reports/
	$(PY) -m dlcourse.grading grades

formgrader: $(STAMP)  ## open JupyterLab in autograde/, where nbgrader's formgrader finds the course
	cd autograde && ../$(VENV)/bin/jupyter lab

data: $(STAMP)  ## download and verify every data set into datasets/cache/ (needs internet)
	$(PY) -m dlcourse.data fetch

full: $(STAMP)  ## run every solution notebook as the full lesson; report in results/full_report.md
	$(PY) -m dlcourse.runner

clean:  ## remove the environment and nbgrader's working folders (keeps datasets/cache/)
	rm -rf $(VENV) autograde/release autograde/solution autograde/submitted autograde/autograded \
	       autograde/feedback autograde/reports autograde/gradebook.db results
