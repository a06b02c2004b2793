"""The glossary (dlcourse/glossary.toml): every chapter has one, every term is taught in the
notebook it names, every Chinese form is used by the decks it credits, and the chapter's last
notebook shows it."""

from __future__ import annotations

import functools
import re
import tomllib
from pathlib import Path

import nbformat
import pytest

from dlcourse import glossary, grading

REPO_ROOT = Path(__file__).resolve().parents[1]
SOURCE = REPO_ROOT / "autograde" / "source"
DRAFTS = REPO_ROOT / "autograde" / "drafts"
SEEDS = REPO_ROOT.parent / "shared" / "seeds"  # CI has ../shared beside the clone
CHAPTERS = grading.chapters()
MIN_TERMS = 20

# The intro deck (003) was scraped from a page that follows many characters with their
# pinyin, e.g. 深度學(xué)習(xí): drop those annotations so that its words can be found.
TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
PINYIN = re.compile(rf"\((?=[a-zü]*[{TONED}])[a-zü{TONED}]+\)")


def _normalise(text: str) -> str:
    """Markdown as a reader sees it: no emphasis or code marks, one space between words, any case."""
    return re.sub(r"\s+", " ", re.sub(r"[*`]", "", text)).casefold()


@functools.cache
def prose(chapter: str) -> dict[str, str]:
    """The markdown of every master of a chapter, file name -> normalised text."""
    texts = {}
    for path in sorted((SOURCE / chapter).glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        texts[path.name] = _normalise("\n".join(c.source for c in nb.cells if c.cell_type == "markdown"))
    return texts


def mentions(text: str, term: str) -> bool:
    """Whether the term occurs in the text as a whole word or phrase (a plural counts)."""
    return re.search(r"(?<!\w)" + re.escape(_normalise(term)) + r"(?:s|es)?(?!\w)", text) is not None


@functools.cache
def seed_texts() -> dict[str, str]:
    """The seeds' text by id ("000" ... "004"), the pinyin annotations removed."""
    return {path.name[:3]: PINYIN.sub("", path.read_text(encoding="utf-8"))
            for path in sorted(SEEDS.glob("[0-9][0-9][0-9]_*.txt"))}


@functools.cache
def data() -> dict[str, list[dict]]:
    """The glossary file as written, read here rather than through the package's loader, so that
    one bad entry fails the test that checks it and not every test."""
    return tomllib.loads((Path(glossary.__file__).parent / "glossary.toml").read_text(encoding="utf-8"))


def entries(chapter: str) -> list[dict]:
    return data().get(chapter, [])


def describe(entry: dict) -> str:
    return f"{entry.get('en', '?')!r} ({entry.get('notebook', '?')})"


# --- the data ------------------------------------------------------------------------------


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_chapter_has_a_glossary(chapter):
    assert chapter in data(), (
        f"autograde/source/{chapter} has no glossary: add `{chapter} = [...]` to dlcourse/glossary.toml "
        f"(at least {MIN_TERMS} terms; its header says how to fill an entry)")


def test_glossary_has_no_chapter_that_does_not_exist():
    drafts = {p.name for p in DRAFTS.iterdir() if p.is_dir()} if DRAFTS.is_dir() else set()
    known = set(CHAPTERS) | drafts
    unknown = sorted(set(data()) - known)
    assert not unknown, f"glossary.toml has chapters with no folder in autograde/source/ or drafts/: {unknown}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_has_enough_terms(chapter):
    count = len(entries(chapter))
    assert count >= MIN_TERMS, f"{chapter} has {count} glossary terms; it needs at least {MIN_TERMS}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_field_is_filled(chapter):
    problems = []
    for entry in entries(chapter):
        for field in glossary.REQUIRED:
            value = entry.get(field, "")
            if not isinstance(value, str):
                problems.append(f"{describe(entry)}: {field} should be text, not {value!r}")
            elif not value.strip():
                problems.append(f"{describe(entry)}: {field} is empty")
            elif value != value.strip():
                problems.append(f"{describe(entry)}: {field} {value!r} has spaces around it")
        if not isinstance(entry.get("source"), str):
            problems.append(f"{describe(entry)}: no source (write source = \"\" when no deck uses the term)")
        for seed, form in entry.get("variants", {}).items():
            if not form.strip():
                problems.append(f"{describe(entry)}: the variant for {seed} is empty")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_no_term_is_listed_twice(chapter):
    seen, twice = set(), []
    for entry in entries(chapter):
        key = entry["en"].casefold()
        if key in seen:
            twice.append(entry["en"])
        seen.add(key)
    assert not twice, f"{chapter} lists these terms more than once: {twice}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_terms_are_listed_in_teaching_order(chapter):
    notebooks = [entry["notebook"] for entry in entries(chapter)]
    assert notebooks == sorted(notebooks), (
        f"{chapter}: list the terms grouped by notebook, in the notebooks' order (the order the table shows)")


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_term_appears_in_the_chapters_notebooks(chapter):
    texts = prose(chapter)
    absent = [describe(e) for e in entries(chapter) if not any(mentions(t, e["en"]) for t in texts.values())]
    assert not absent, (f"these {chapter} terms appear in the markdown of none of its masters: {absent} "
                        "(a glossary lists what the chapter teaches, in the words its notebooks use)")


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_term_appears_in_the_notebook_it_names(chapter):
    texts, problems = prose(chapter), []
    for entry in entries(chapter):
        if entry["notebook"] not in texts:
            problems.append(f"{describe(entry)}: no such master in autograde/source/{chapter}/")
        elif not mentions(texts[entry["notebook"]], entry["en"]):
            found = [name for name, text in texts.items() if mentions(text, entry["en"])]
            problems.append(f"{describe(entry)}: not in that notebook's markdown; it is in {found or 'none'}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_sources_name_decks_that_use_the_form(chapter):
    if not SEEDS.is_dir():
        pytest.skip(f"the seeds are not at {SEEDS} (CI has ../shared beside the clone): "
                    "cannot check which decks use each form")
    texts, problems = seed_texts(), []
    for entry in entries(chapter):
        claims = [(seed, entry["zh_hans"] if seed in glossary.SIMPLIFIED_DECKS else entry["zh_hant"], "source")
                  for seed in entry.get("source", "").split(",") if seed]
        claims += [(seed, form, "variants") for seed, form in entry.get("variants", {}).items()]
        for seed, form, field in claims:
            if seed not in texts:
                problems.append(f"{describe(entry)}: {field} names {seed!r}, which is not a seed "
                                f"({', '.join(sorted(texts))})")
            elif form not in texts[seed]:
                problems.append(f"{describe(entry)}: {field} says {seed} uses {form!r}, but {seed}'s text does not "
                                "contain it (000-002 are checked for zh_hans, 003-004 for zh_hant)"
                                if field == "source" else
                                f"{describe(entry)}: {field} says {seed} writes {form!r}, but its text does not")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_last_notebook_of_the_chapter_shows_the_glossary(chapter):
    last = sorted((SOURCE / chapter).glob("*.ipynb"))[-1]
    nb = nbformat.read(last, as_version=4)
    call = re.compile(r"show_glossary\(\s*(['\"])" + re.escape(chapter) + r"\1\s*\)")
    assert any(call.search(c.source) for c in nb.cells if c.cell_type == "code"), (
        f"{last.relative_to(REPO_ROOT)}, the chapter's last master, needs a code cell that calls "
        f'dlcourse.show_glossary("{chapter}")')


# --- the renderer and the package --------------------------------------------------------


def test_rows_come_in_teaching_order(monkeypatch):
    def term(en, notebook):
        return {"en": en, "zh_hans": "字", "zh_hant": "字", "notebook": notebook, "source": ""}

    listed = (term("c", "02_b.ipynb"), term("a", "01_a.ipynb"), term("d", "02_b.ipynb"), term("b", "01_a.ipynb"))
    monkeypatch.setattr(glossary, "load_glossary", lambda: {"99_x": listed})
    # by notebook, and within a notebook in the order the file lists them
    assert [row["en"] for row in glossary.glossary_rows("99_x")] == ["a", "b", "c", "d"]


def test_unknown_chapter_names_the_chapters_there_are():
    with pytest.raises(LookupError, match="99_nowhere") as info:
        glossary.glossary_rows("99_nowhere")
    for chapter in glossary.glossary_chapters():
        assert chapter in str(info.value)


def test_rows_are_copies():
    chapter = glossary.glossary_chapters()[0]
    glossary.glossary_rows(chapter)[0]["en"] = "changed"
    assert glossary.glossary_rows(chapter)[0]["en"] != "changed"


def test_show_glossary_displays_a_table_with_every_term(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, raw=False: shown.append(obj))
    chapter = glossary.glossary_chapters()[0]
    glossary.show_glossary(chapter)
    rows = glossary.glossary_rows(chapter)
    table = shown[0]["text/html"]
    assert re.findall(r"<th[^>]*>([^<]*)</th>", table) == ["English", "简体", "繁體", "introduced in"]
    assert table.count("<tr>") == len(rows) + 1  # the header row and one per term
    assert 'lang="zh-Hant" title="used in' in table and rows[0]["zh_hans"] in table
    assert shown[0]["text/plain"].count("\n") == len(rows)


def test_a_variant_is_shown_beside_the_form():
    chapter, row = next((c, r) for c in glossary.glossary_chapters() for r in glossary.glossary_rows(c)
                        if r["variants"])
    seed, form = next(iter(row["variants"].items()))
    assert f"({seed}: {form})" in glossary.glossary_html(chapter)


def test_glossary_file_ships_with_the_package():
    config = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    package_data = config["tool"]["setuptools"].get("package-data", {}).get("dlcourse", [])
    assert "glossary.toml" in package_data, "list glossary.toml in pyproject's [tool.setuptools.package-data]"
    assert (Path(glossary.__file__).parent / "glossary.toml").is_file()
