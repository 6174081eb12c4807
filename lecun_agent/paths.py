"""Where the package's shared files (urdf/, config/, launch/) live, installed or not."""

from pathlib import Path

PACKAGE = "lecun_agent"
_SOURCE_ROOT = Path(__file__).resolve().parents[1]


def share_dir() -> Path:
    """The package's share directory: the ament index when installed, else the source tree.

    An editable pip install does not install data_files, so the source tree is the
    fallback that keeps `pip install -e .` working.
    """
    if (_SOURCE_ROOT / "package.xml").exists():
        return _SOURCE_ROOT
    try:
        from ament_index_python.packages import get_package_share_directory

        return Path(get_package_share_directory(PACKAGE))
    except (ImportError, LookupError) as err:
        raise FileNotFoundError(
            f"cannot find the {PACKAGE} share directory: no source tree at {_SOURCE_ROOT} "
            "and the package is not in the ament index (is AMENT_PREFIX_PATH set?)"
        ) from err


def unused_path(path: Path) -> Path:
    """`path` if nothing is there, else the first of <stem>.1<suffix>, <stem>.2<suffix>, ... that is free: a file
    of an earlier run is never written over (recordings, set-aside training rows)."""
    k, out = 0, path
    while out.exists():
        k += 1
        out = path.with_name(f"{path.stem}.{k}{path.suffix}")
    return out


def urdf_path(name: str = "quadruped.urdf") -> Path:
    return share_dir() / "urdf" / name


def config_path(name: str) -> Path:
    return share_dir() / "config" / name


def result_sibling(result: Path, ext: str) -> Path:
    """A result file's sibling: `F.json` or `F` -> `F<ext>`. Names are added to, never swapped for a suffix,
    so `energy_0.005` keeps its `.005`."""
    return result.with_name(result.name.removesuffix(".json") + ext)


MODEL_FILE = "model.pt"  # a checkpoint directory's world-model weights


def default_checkpoint_dir() -> Path:
    """The world-model checkpoint shipped inside the package (produced by `lecun-agent train`)."""
    return Path(__file__).resolve().parent / "checkpoints" / "default"
