"""Checks of a command's output paths, made before any work: a long run must not end in a write that fails."""

from __future__ import annotations

import os
from pathlib import Path


def check_output_file(path: Path, option: str, parents_made: bool = True) -> None:
    """ValueError (the CLI's one-line error) naming `option` when `path` cannot be written as a file: it is a
    directory, an existing file is read-only, or its directory is not one or is not writable. With
    `parents_made` the command makes missing parent directories, so only the nearest existing one counts."""
    if path.is_dir():
        raise ValueError(f"{option} {path} is a directory; give a file name")
    if path.exists() and not os.access(path, os.W_OK):
        raise ValueError(f"{option} {path} is not writable")
    _check_directory(path.parent, option, path, parents_made)


def refuse_earlier_results(paths: tuple[Path, ...] | list[Path], option: str, run: str = "run") -> None:
    """FileExistsError when any of a command's result files (or folders) exists already: results are never
    overwritten (a rerun must not lose a run's numbers). `run` names what made them ("eval", ...)."""
    earlier = [str(path) for path in paths if path.exists()]
    if earlier:
        raise FileExistsError(f"{', '.join(earlier)} hold(s) an earlier {run}'s results; give another {option}, or "
                              "delete them first")


def check_output_dir(path: Path, option: str) -> None:
    """ValueError naming `option` when `path` cannot be the command's output directory (made if missing)."""
    if path.exists() and not path.is_dir():
        raise ValueError(f"{option} {path} is a file; give a directory")
    _check_directory(path, option, path, parents_made=True)


def _check_directory(directory: Path, option: str, path: Path, parents_made: bool) -> None:
    """`directory` (or, when the command makes it, the nearest of its parents that exists) is a writable one."""
    existing = directory
    while parents_made and not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.exists():
        raise ValueError(f"{option} {path}: directory {existing} does not exist")
    if not existing.is_dir():
        raise ValueError(f"{option} {path}: {existing} is not a directory")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ValueError(f"{option} {path}: directory {existing} is not writable")
