"""Every relative link in README.md and docs/*.md points at a file a fresh clone has.

A link to a file that exists here but is git-ignored (an eval's output folder, say) is broken on
every other machine, so a link must resolve and, where git can tell, not be ignored.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINK = re.compile(r"\]\(([^)#\s]+)")  # markdown [text](target), without an anchor


def pages() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def local_links(page: Path) -> list[tuple[str, Path]]:
    out = []
    for target in LINK.findall(page.read_text()):
        if "://" in target or target.startswith("mailto:"):
            continue
        out.append((target, (page.parent / target).resolve()))
    return out


def ignored(paths: list[Path]) -> set[Path]:
    """The paths git ignores (empty when this is not a git checkout)."""
    if shutil.which("git") is None or not (ROOT / ".git").exists() or not paths:
        return set()
    done = subprocess.run(["git", "check-ignore", "--stdin"], cwd=ROOT, capture_output=True, text=True,
                          input="\n".join(str(p.relative_to(ROOT)) for p in paths))
    return {(ROOT / line).resolve() for line in done.stdout.splitlines() if line}


def test_every_local_doc_link_resolves_to_a_shipped_file() -> None:
    links = [(page, target, path) for page in pages() for target, path in local_links(page)]
    assert links, "no links found: the pattern no longer matches the docs"
    missing = [(page.name, target) for page, target, path in links if not path.exists()]
    assert missing == []
    inside = [path for _, _, path in links if path.is_relative_to(ROOT)]
    skipped = ignored(inside)
    assert [(page.name, target) for page, target, path in links if path in skipped] == []
