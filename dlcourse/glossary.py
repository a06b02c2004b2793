"""The course glossary: each chapter's terms in English, Simplified and Traditional Chinese.

The course's decks are written in Chinese, Simplified (the Didi deck 000, the Caicloud deck
001, the Cookbook translation 002) and Traditional (the intro deck 003, the Tibame notes 004),
and many students read them beside the notebooks. The glossary gives, for every term a chapter
teaches, the word the decks use for it::

    dlcourse.show_glossary("03_cnn")   # a table in the notebook
    dlcourse.glossary_rows("03_cnn")   # the same rows, as dicts

The data is ``glossary.toml`` in this package; its header says how each form was chosen.
Rows come in teaching order: by the notebook that introduces the term, and within a notebook
in the order the file lists them, which is the order the notebook teaches them.
"""

from __future__ import annotations

import functools
import html
import tomllib
from importlib import resources

REQUIRED = ("en", "zh_hans", "zh_hant", "notebook")  # must be non-empty; "source" may be ""
DECKS = {"000": "Didi deck", "001": "Caicloud deck", "002": "Cookbook translation",
         "003": "intro deck", "004": "Tibame notes"}
SIMPLIFIED_DECKS = ("000", "001", "002")  # written in Simplified Chinese: their word is zh_hans
TRADITIONAL_DECKS = ("003", "004")  # written in Traditional Chinese: their word is zh_hant
_LEFT = 'style="text-align:left"'  # JupyterLab right-aligns table cells by default


@functools.cache
def load_glossary() -> dict[str, tuple[dict, ...]]:
    """The whole glossary, chapter -> entries as the file lists them (read once, then cached)."""
    text = resources.files(__package__).joinpath("glossary.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    for chapter, entries in data.items():
        for i, entry in enumerate(entries):
            missing = [f for f in (*REQUIRED, "source") if not isinstance(entry.get(f), str)]
            if missing:
                raise ValueError(f"glossary.toml, {chapter} entry {i + 1} ({entry.get('en', '?')!r}): "
                                 f"no text for {', '.join(missing)}")
    return {chapter: tuple(entries) for chapter, entries in data.items()}


def glossary_chapters() -> list[str]:
    """The chapters the glossary has, in order."""
    return sorted(load_glossary())


def glossary_rows(chapter: str) -> list[dict]:
    """One chapter's terms in teaching order, as new dicts with the keys en, zh_hans, zh_hant,
    notebook, source (comma-separated seed ids, possibly "") and variants ({seed: form}, possibly
    empty). An unknown chapter raises LookupError naming the chapters there are."""
    glossary = load_glossary()
    if chapter not in glossary:
        raise LookupError(f"no glossary for chapter {chapter!r}: the glossary has "
                          f"{', '.join(glossary_chapters())}")
    rows = [{**entry, "variants": dict(entry.get("variants", {}))} for entry in glossary[chapter]]
    return sorted(rows, key=lambda row: row["notebook"])  # stable: keeps the file's order within a notebook


def _other_forms(row: dict, decks: tuple[str, ...]) -> str:
    """The variants of these decks, as "(003: 服務器)", or ""."""
    others = [f"{seed}: {form}" for seed, form in sorted(row["variants"].items()) if seed in decks]
    return f"({'; '.join(others)})" if others else ""


def _chinese_cell(row: dict, field: str, lang: str, decks: tuple[str, ...]) -> str:
    """One Chinese cell: the form, any other deck's form in small print, and (on hover) the decks using it."""
    used_by = [seed for seed in row["source"].split(",") if seed in decks]
    title = f"used in {', '.join(used_by)}" if used_by else "the usual form: no deck uses this one"
    text = html.escape(row[field])
    if others := _other_forms(row, decks):
        text += f" <small>{html.escape(others)}</small>"
    return f'<td lang="{lang}" title="{title}" {_LEFT}>{text}</td>'


def glossary_html(chapter: str) -> str:
    """The chapter's glossary as an HTML table (English | 简体 | 繁體 | introduced in)."""
    rows = glossary_rows(chapter)
    decks = "; ".join(f"{script} " + ", ".join(f"{seed} {DECKS[seed]}" for seed in seeds)
                      for script, seeds in (("简体", SIMPLIFIED_DECKS), ("繁體", TRADITIONAL_DECKS)))
    lines = ['<table class="dlcourse-glossary">',
             f"<caption {_LEFT}>Glossary of {html.escape(chapter)}: {len(rows)} terms in teaching order. "
             f"Decks: {decks}. A form in brackets is another deck's word for the term.</caption>",
             "<thead><tr>" + "".join(f"<th {_LEFT}>{h}</th>" for h in ("English", "简体", "繁體", "introduced in"))
             + "</tr></thead>",
             "<tbody>"]
    for row in rows:
        lines.append(f"<tr><td {_LEFT}>{html.escape(row['en'])}</td>"
                     + _chinese_cell(row, "zh_hans", "zh-Hans", SIMPLIFIED_DECKS)
                     + _chinese_cell(row, "zh_hant", "zh-Hant", TRADITIONAL_DECKS)
                     + f"<td {_LEFT}>{html.escape(row['notebook'].removesuffix('.ipynb'))}</td></tr>")
    lines += ["</tbody>", "</table>"]
    return "\n".join(lines)


def glossary_text(chapter: str) -> str:
    """The same table as plain text, one term per line (for terminals and text-only viewers)."""
    lines = [f"Glossary of {chapter} (English | 简体 | 繁體 | introduced in)"]
    for row in glossary_rows(chapter):
        hans = " ".join(filter(None, [row["zh_hans"], _other_forms(row, SIMPLIFIED_DECKS)]))
        hant = " ".join(filter(None, [row["zh_hant"], _other_forms(row, TRADITIONAL_DECKS)]))
        lines.append(" | ".join([row["en"], hans, hant, row["notebook"].removesuffix(".ipynb")]))
    return "\n".join(lines)


def show_glossary(chapter: str) -> None:
    """Display the chapter's glossary in a notebook: an HTML table, with a plain-text fallback."""
    from IPython.display import display

    display({"text/html": glossary_html(chapter), "text/plain": glossary_text(chapter)}, raw=True)
