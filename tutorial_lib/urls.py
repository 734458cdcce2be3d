"""`python -m tutorial_lib.urls [--check]`: the repository's address, written where it is needed.

The address lives in one place, pyproject.toml's [project.urls] Repository. From it this writes
- the Colab cell of every notebooks/NN_*.ipynb (the code cell right after the `parameters` cell),
- the "Open in Colab" badge in each notebook's first markdown cell,
- the badges of README.md's lesson table,
- REPO_URL in tutorial_lib/colab.py (the script the Colab cell fetches and runs).
Notebooks are rewritten with nbformat in their own layout; outputs are left as they are.
`--check` writes nothing and exits 1, listing what disagrees.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

from .errors import CourseError

BRANCH = "main"
BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"
SCRIPT = "tutorial_lib/colab.py"  # the Colab set-up script, fetched raw by the cell
NOTEBOOKS = "notebooks/[0-9][0-9]_*.ipynb"
COLAB_LINK = re.compile(
    r"https://colab\.research\.google\.com/github/[^\s)\"'\]]*?(notebooks/[\w.-]+\.ipynb)"
)
LESSON_LINK = re.compile(r"\]\((notebooks/[\w.-]+\.ipynb)\)")
SCRIPT_LINE = re.compile(r'^REPO_URL = "[^"\n]*"', re.M)
GITHUB = re.compile(r"https://github\.com/([\w.-]+/[\w.-]+?)(?:\.git)?/?$")


def repo_url(root: Path) -> str:
    """Return the repository address from pyproject.toml's [project.urls] Repository."""
    import tomllib  # Python 3.11+: a maintainer's tool, like the tests

    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    url = project.get("urls", {}).get("Repository")
    if not url:
        raise CourseError(
            f"{root / 'pyproject.toml'} has no [project.urls] Repository. Add one, e.g. "
            'Repository = "https://github.com/OWNER/NAME", then run `python -m tutorial_lib.urls`.'
        )
    return url


def github_path(repo: str) -> str:
    """Return "OWNER/NAME" of a GitHub repository address; CourseError for any other host."""
    match = GITHUB.match(repo.strip())
    if not match:
        raise CourseError(
            f"Repository address '{repo}' is not https://github.com/OWNER/NAME; Colab opens "
            "notebooks from GitHub only. Set [project.urls] Repository in pyproject.toml to the "
            "GitHub address of the course."
        )
    return match[1]


def colab_url(repo: str, notebook: str, branch: str = BRANCH) -> str:
    """Return the Colab address that opens `notebook` (e.g. notebooks/00_x.ipynb) from GitHub."""
    return f"https://colab.research.google.com/github/{github_path(repo)}/blob/{branch}/{notebook}"


def raw_url(repo: str, path: str, branch: str = BRANCH) -> str:
    """Return the address of the raw file `path` of the repository's `branch`."""
    return f"https://raw.githubusercontent.com/{github_path(repo)}/{branch}/{path}"


def badge(repo: str, notebook: str) -> str:
    """Return the Markdown of the "Open in Colab" badge of `notebook`."""
    return f"[![Open in Colab]({BADGE_IMAGE})]({colab_url(repo, notebook)})"


def colab_cell(repo: str) -> str:
    """Return the source of the notebooks' Colab cell: three lines that run the set-up script."""
    return (
        'if "google.colab" in str(get_ipython()):  # On Colab: clone and install the course\n'
        "    from urllib.request import urlopen  # no restart needed; elsewhere: `make setup`\n"
        f'    exec(urlopen("{raw_url(repo, SCRIPT)}").read(), {{}})'
    )


def _relink(text: str, url_for) -> str:
    """Return text with every Colab link replaced by url_for(the notebook it names)."""
    return COLAB_LINK.sub(lambda m: url_for(m[1]), text)


def sync_notebook(path: Path, root: Path, repo: str, write: bool) -> list[str]:
    """Return what disagrees in one notebook's Colab cell and badge; with write, fix it."""
    raw = path.read_text(encoding="utf-8")
    nb = nbformat.reads(raw, as_version=nbformat.NO_CONVERT)
    name = rel = path.relative_to(root).as_posix()
    problems = []
    params = [i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])]
    if not params:
        return [f"{name}: no cell tagged `parameters`; tag the first code cell, then run again"]
    after = nb.cells[params[0] + 1] if params[0] + 1 < len(nb.cells) else None
    cell = colab_cell(repo)
    if after is not None and after.cell_type == "code" and "google.colab" in after.source:
        if after.source != cell:
            problems.append(f"{name}: the Colab cell differs from the generated one")
            after.source = cell
    else:
        problems.append(f"{name}: no Colab cell after the parameters cell")
        nb.cells.insert(params[0] + 1, nbformat.v4.new_code_cell(cell))
    first = next((c for c in nb.cells if c.cell_type == "markdown"), None)
    if first is None:
        problems.append(f"{name}: no markdown cell for the Colab badge; add a title cell")
    elif COLAB_LINK.search(first.source):
        fixed = _relink(first.source, lambda _: colab_url(repo, rel))
        if fixed != first.source:
            problems.append(f"{name}: the Colab badge does not open {colab_url(repo, rel)}")
            first.source = fixed
    else:
        problems.append(f"{name}: no Colab badge in the first markdown cell")
        title, _, rest = first.source.partition("\n")
        rest = rest.lstrip("\n")
        first.source = f"{title}\n\n{badge(repo, rel)}" + (f"\n\n{rest}" if rest else "")
    if problems and write:
        text = nbformat.writes(nb)
        path.write_text(text + ("\n" if raw.endswith("\n") else ""), encoding="utf-8")
    return problems


def sync_readme(path: Path, notebooks: list[str], repo: str, write: bool) -> list[str]:
    """Return what disagrees in README.md's Colab badges; with write, fix the links."""
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    problems = []
    for i, line in enumerate(lines):
        lesson = LESSON_LINK.search(line)  # a table row's badge opens that row's notebook
        fixed = _relink(line, lambda nb, row=lesson: colab_url(repo, row[1] if row else nb))
        if fixed != line:
            problems.append(f"{path.name}:{i + 1}: a Colab badge does not open {repo}")
            lines[i] = fixed
    linked = {m[1] for m in COLAB_LINK.finditer("\n".join(lines))}
    problems += [
        f"{path.name}: no Colab badge for {nb}; add its row to the lesson table"
        for nb in notebooks
        if nb not in linked
    ]
    if problems and write:
        path.write_text("\n".join(lines), encoding="utf-8")
    return problems


def sync_script(path: Path, repo: str, write: bool) -> list[str]:
    """Return what disagrees in the set-up script's REPO_URL; with write, fix it."""
    text = path.read_text(encoding="utf-8")
    if not SCRIPT_LINE.search(text):
        return [f'{path.name}: no line `REPO_URL = "..."` to write the address into']
    fixed = SCRIPT_LINE.sub(f'REPO_URL = "{repo}"', text)
    if fixed == text:
        return []
    if write:
        path.write_text(fixed, encoding="utf-8")
    return [f"{SCRIPT}: REPO_URL is not {repo}"]


def sync(root: Path, write: bool = True) -> list[str]:
    """Return every place that disagrees with pyproject.toml's address; with write, fix them."""
    repo = repo_url(root)
    github_path(repo)  # a clear error before anything is written
    paths = sorted(root.glob(NOTEBOOKS))
    problems = [p for nb in paths for p in sync_notebook(nb, root, repo, write)]
    names = [nb.relative_to(root).as_posix() for nb in paths]
    problems += sync_readme(root / "README.md", names, repo, write)
    return problems + sync_script(root / SCRIPT, repo, write)


def find_root(start: Path | None = None) -> Path:
    """Return the course folder: `start` (cwd) or its nearest parent holding pyproject.toml.

    The folder must hold notebooks/ too; where none does, the folder above this package.
    """
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "pyproject.toml").is_file() and (folder / "notebooks").is_dir():
            return folder
    return Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    """Return the exit status of `python -m tutorial_lib.urls [--check] [--root DIR]`."""
    parser = argparse.ArgumentParser(
        prog="python -m tutorial_lib.urls", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--check", action="store_true", help="write nothing; list what disagrees")
    parser.add_argument("--root", type=Path, help="the course folder (default: found from cwd)")
    args = parser.parse_args(argv)
    root = args.root or find_root()
    repo = repo_url(root)
    problems = sync(root, write=not args.check)
    for line in problems:
        print(line)
    if args.check and problems:
        print(f"{len(problems)} place(s) disagree with {repo}: run `python -m tutorial_lib.urls`.")
        return 1
    print(f"{'Rewrote' if problems else 'Checked'}: Colab cells, badges and {SCRIPT} use {repo}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
