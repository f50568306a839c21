"""``make site``: a static HTML site of the study, built offline from what is committed.

    python -m hybridlib.notebook.site [--out build/site]

Pages: ``index.html`` (the README, the front page), ``REPORT.html``, ``docs/*.html`` and one page per
executed notebook (``notebooks/*.html``, ``notebooks/variants/*.html``), each with the same navigation
bar. Notebooks go through nbconvert's ``HTMLExporter`` (their figures are embedded as ``data:`` PNGs);
Markdown pages through mistune (tables on), with links to ``.md`` / ``.ipynb`` files rewritten to the
pages built from them and ``figures/`` copied beside. The tree mirrors the repository's, so every
relative link of a page resolves in the site as it does on GitHub. Nothing is fetched: nbconvert's
``basic`` template (no CDN assets) and a small stylesheet in the index.
"""

from __future__ import annotations

import argparse
import html
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from hybridlib.paths import REPO

STYLE = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:0 auto;padding:0 1em 3em;line-height:1.45}
nav{position:sticky;top:0;background:#f6f8fa;border-bottom:1px solid #ddd;padding:.5em;margin:0 -1em 1em;font-size:.9em;display:flex;flex-wrap:wrap}
nav a{margin-right:.8em}table{border-collapse:collapse;font-size:.85em;margin:.5em 0}
td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}img{max-width:100%}
pre{background:#f6f8fa;padding:.5em;overflow-x:auto;font-size:.85em}
.jp-InputArea,.input_area{background:#f6f8fa}"""


@dataclass(frozen=True)
class Page:
    """One page of the site: its title, its source file and its path inside the site."""

    title: str
    source: Path
    target: str  # relative to the site root, e.g. "notebooks/03_main_results.html"


def pages(repo: Path = REPO) -> list[Page]:
    """The site's pages in navigation order: README (as ``index.html``), REPORT, docs, notebooks
    (then their variants). Sources that do not exist are left out."""
    out = [Page("Home", repo / "README.md", "index.html"), Page("Report", repo / "REPORT.md", "REPORT.html")]
    out += [Page(p.stem, p, f"docs/{p.stem}.html") for p in sorted((repo / "docs").glob("*.md"))]
    out += [
        Page(p.stem, p, f"notebooks/{p.stem}.html") for p in sorted((repo / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    ]
    out += [
        Page(p.stem.replace("__", " · "), p, f"notebooks/variants/{p.stem}.html")
        for p in sorted((repo / "notebooks" / "variants").glob("*.ipynb"))
    ]
    return [p for p in out if p.source.exists()]


def _relative(from_target: str, to_target: str) -> str:
    depth = from_target.count("/")
    return "../" * depth + to_target


def nav_html(all_pages: list[Page], current: Page) -> str:
    """The navigation bar of ``current``: a relative link to every page."""
    links = [
        f'<a href="{_relative(current.target, p.target)}"{" aria-current=page" if p == current else ""}>'
        f"{html.escape(p.title)}</a>"
        for p in all_pages
    ]
    return f"<nav>{''.join(links)}</nav>"


def _rewrite_links(body: str, page: Page, repo: Path) -> str:
    """Links to Markdown files and notebooks point to the pages built from them; README.md to the index."""
    source_dir = page.source.parent.relative_to(repo).as_posix()

    def fix(match: re.Match) -> str:
        attr, url = match.group(1), match.group(2)
        if re.match(r"^[a-z]+:|^#|^/", url):
            return match.group(0)
        path, _, anchor = url.partition("#")
        if path.endswith("README.md"):
            path = path[: -len("README.md")] + "index.html"
        elif path.endswith((".md", ".ipynb")):
            path = path.rsplit(".", 1)[0] + ".html"
        elif path.endswith(".py") and "notebooks" in f"{source_dir}/{path}":
            path = path[:-3] + ".html"
        return f'{attr}="{path}{"#" + anchor if anchor else ""}"'

    return re.sub(r'(href|src)="([^"]+)"', fix, body)


def _page_html(page: Page, all_pages: list[Page], body: str) -> str:
    """A whole page: its title, the site's stylesheet, the navigation bar, then ``body``."""
    style = _relative(page.target, "style.css")
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{html.escape(page.title)}</title>'
        f'<link rel="stylesheet" href="{style}"></head><body>{nav_html(all_pages, page)}{body}</body></html>'
    )


def render_markdown(page: Page, all_pages: list[Page], repo: Path = REPO) -> str:
    import mistune

    md = mistune.create_markdown(plugins=["table", "strikethrough", "url"], escape=False)
    body = _rewrite_links(md(page.source.read_text(encoding="utf-8")), page, repo)
    return _page_html(page, all_pages, body)


def render_notebook(page: Page, all_pages: list[Page], repo: Path = REPO) -> str:
    import nbformat
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="basic")
    body, _ = exporter.from_notebook_node(nbformat.read(page.source, as_version=4))
    body = _rewrite_links(body, page, repo)
    return _page_html(page, all_pages, body)


def build(out: Path, repo: Path = REPO) -> list[Path]:
    """Write the site under ``out`` (replaced whole); returns the pages written."""
    all_pages = pages(repo)
    if not all_pages:
        raise FileNotFoundError(f"{repo}: no README.md, REPORT.md, docs/ or executed notebooks to build a site from")
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    (tmp / "style.css").write_text(STYLE)
    if (repo / "figures").is_dir():
        shutil.copytree(repo / "figures", tmp / "figures")
    written = []
    for page in all_pages:
        target = tmp / page.target
        target.parent.mkdir(parents=True, exist_ok=True)
        render = render_notebook if page.source.suffix == ".ipynb" else render_markdown
        target.write_text(render(page, all_pages, repo), encoding="utf-8")
        written.append(out / page.target)
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)  # the old site is replaced only by a complete new one
    return written


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=REPO / "build" / "site")
    args = ap.parse_args(argv)
    written = build(args.out)
    print(f"[site] {len(written)} pages -> {args.out / 'index.html'}")


if __name__ == "__main__":
    main()
