"""The dataset format every source writes: the in-process collector and the MCAP converter.

    DATA_DIR/spec.json              DatasetSpec: what the arrays mean (obs/action spec, step, units)
    DATA_DIR/episode_000042.npz     one episode, np.savez_compressed, T steps:
        images   (T, 64, 64, 3) uint8   camera frame at step t (RGB)
        proprio  (T, P) float32         proprio_from_readings at the frame's time, PROPRIO_FIELDS order
        actions  (T, A) float32         command (vx, vy, yaw_rate) sent after step t, held until t+1
        feat_<name> (T,) or (T, w)      measured cost-core features at step t (physical units)
        contact_max (T,) float32        N, largest measured non-foot contact force over the step
                                        ending at t (every control tick, not only the frame)
        cost     (T,) float32           total intrinsic cost at step t (default weights)
        cost_<term> (T,) float32        each intrinsic cost term at step t (weighted, default weights)
        stamp    (T,) float64           s, time of step t
        program_phase (T,) uint8        optional: which collection program phase issued the command
                                        (programs/approach.py PHASES; 0 wander); readers ignore it
        terminated () bool              the episode ended in a fall (not a time limit)
        seed     () int64               arena/program seed (-1 when recorded from a real robot)
        source_file, source_sha256, source_namespace () str
                                        converted episodes only: the MCAP file's name, the sha256 of its
                                        bytes, the namespace read; convert refuses that recording again

Step t -> t+1 is one model step (the camera period). Windows never cross episode files, so the
file boundary is the episode boundary.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from lecun_agent.perception.proprio import PROPRIO_FIELDS
from lecun_agent.world_model.config import DEFAULT_HEAD_FEATURES

log = logging.getLogger(__name__)
# 2: base_velocity is (vx, vy, yaw rate), mean over the step. 3: contact_max, the step's largest
# non-foot contact force (a touch between two frames is a contact too).
FORMAT_VERSION = 3
SPEC_FILE = "spec.json"
CONTACT_N = 1.0  # N of measured non-foot contact force above which a step holds a body contact
# Step lengths this close are one rate: a recording's measured camera period jitters a little.
STEP_DT_RTOL = 0.01


@dataclass
class DatasetSpec:
    """Observation/action spec shared by a dataset and the checkpoints trained on it."""

    step_dt: float = 0.1  # s between steps (camera period)
    image_shape: tuple[int, int, int] = (64, 64, 3)
    proprio_fields: list[tuple[str, int]] = field(default_factory=lambda: [list(f) for f in PROPRIO_FIELDS])
    action_names: list[str] = field(default_factory=lambda: ["vx", "vy", "yaw_rate"])
    action_low: list[float] = field(default_factory=lambda: [-1.0, -0.5, -1.5])
    action_high: list[float] = field(default_factory=lambda: [1.0, 0.5, 1.5])
    features: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_HEAD_FEATURES))
    cost_terms: list[str] = field(default_factory=list)
    source: str = "sim"
    format_version: int = FORMAT_VERSION

    @property
    def proprio_dim(self) -> int:
        return int(sum(w for _, w in self.proprio_fields))

    def obs_action_spec(self) -> dict[str, Any]:
        """The part a checkpoint must agree with to read this data (no provenance fields)."""
        keys = ("image_shape", "proprio_fields", "action_names", "features")
        d = self.to_dict()
        return {k: d[k] for k in keys}

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["image_shape"] = list(self.image_shape)
        d["proprio_fields"] = [[n, int(w)] for n, w in self.proprio_fields]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> DatasetSpec:
        if d.get("format_version") != FORMAT_VERSION:
            raise ValueError(
                f"dataset format_version {d.get('format_version')}, this code reads {FORMAT_VERSION} "
                "(3 added contact_max): collect or convert the data again"
            )
        names = {f.name for f in dataclasses.fields(cls)}
        d = {k: v for k, v in d.items() if k in names}
        d["image_shape"] = tuple(d["image_shape"])
        d["proprio_fields"] = [[n, int(w)] for n, w in d["proprio_fields"]]
        return cls(**d)


def write_spec(data_dir: Path, spec: DatasetSpec) -> None:
    """Write spec.json, or check that an existing one agrees (so appends stay consistent)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / SPEC_FILE
    if path.exists():
        old = read_spec(data_dir)
        if old.obs_action_spec() != spec.obs_action_spec():
            raise ValueError(f"{path} describes different observations/actions than this writer")
        if not same_step(old.step_dt, spec.step_dt):
            raise ValueError(f"{path} holds steps of {old.step_dt} s, these episodes have {spec.step_dt} s: "
                             "a dataset has one step length; write them to another directory")
        return
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(spec.to_dict(), indent=2))
    tmp.replace(path)  # a crash or a full disk never leaves a half-written spec behind


def same_step(a: float, b: float) -> bool:
    """Whether two step lengths (s) are the same rate."""
    return math.isclose(a, b, rel_tol=STEP_DT_RTOL)


def read_spec(data_dir: Path) -> DatasetSpec:
    path = Path(data_dir) / SPEC_FILE
    if not path.exists():
        raise FileNotFoundError(f"{path} missing: not a lecun_agent dataset directory")
    try:
        return DatasetSpec.from_dict(json.loads(path.read_text()))
    except (ValueError, KeyError, TypeError, AttributeError) as err:  # bad JSON, or JSON that is no spec
        raise ValueError(f"{path}: cannot read the dataset spec: {err}") from err


def episode_path(data_dir: Path, index: int) -> Path:
    return Path(data_dir) / f"episode_{index:06d}.npz"


def next_free_index(data_dir: Path) -> int:
    """One past the highest episode number in data_dir (0 when it has none): no episode has it or any above."""
    numbers = [p.stem.removeprefix("episode_") for p in list_episodes(data_dir)]
    return max((int(n) for n in numbers if n.isdigit()), default=-1) + 1


def write_episode(path: Path, episode: dict[str, np.ndarray], spec: DatasetSpec) -> None:
    """Validate one episode's arrays against the spec and save them compressed, as a new file:
    an episode already at `path` is never replaced (FileExistsError)."""
    validate_episode(episode, spec, str(path))
    tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")  # the writer's own: two writers never share one
    np.savez_compressed(tmp, **episode)
    try:
        os.link(tmp, path)  # unlike a rename, never replaces; a crash never leaves a half-written episode
    except OSError as err:  # there already, or a filesystem without hard links (FAT, some network mounts)
        if isinstance(err, FileExistsError) or path.exists():
            raise FileExistsError(f"{path} exists: an episode is never replaced") from None
        tmp.replace(path)  # checked, then renamed
    finally:
        tmp.unlink(missing_ok=True)


def validate_episode(ep: dict[str, np.ndarray], spec: DatasetSpec, where: str) -> int:
    """Raise ValueError naming the problem; returns T."""
    for key in ("images", "proprio", "actions", "cost"):
        if key not in ep:
            raise ValueError(f"{where}: missing array '{key}'")
    t = len(ep["images"])
    if ep["images"].dtype != np.uint8 or tuple(ep["images"].shape[1:]) != tuple(spec.image_shape):
        raise ValueError(
            f"{where}: images {ep['images'].dtype}{ep['images'].shape}, want uint8 (T, *{spec.image_shape})"
        )
    want = {
        "proprio": (t, spec.proprio_dim),
        "actions": (t, len(spec.action_names)),
        "cost": (t,),
        "contact_max": (t,),
    }
    for name, width in spec.features.items():
        want[f"feat_{name}"] = (t,) if width == 1 else (t, width)
    for key, shape in want.items():
        if key not in ep:
            raise ValueError(f"{where}: missing array '{key}'")
        if tuple(ep[key].shape) != shape:
            raise ValueError(f"{where}: '{key}' has shape {ep[key].shape}, want {shape}")
    return t


def list_episodes(data_dir: Path) -> list[Path]:
    return sorted(p for p in Path(data_dir).glob("episode_*.npz") if not p.name.endswith(".tmp.npz"))


def read_episode(path: Path, spec: DatasetSpec) -> dict[str, np.ndarray] | None:
    """Load and validate one episode; a corrupt or mismatched file is logged and skipped (None)."""
    try:
        with np.load(path, allow_pickle=False) as z:
            ep = {k: z[k] for k in z.files}
    except Exception:  # a cut-off or damaged file raises many types (zipfile, zlib, numpy); all mean the same
        # Not numpy's message: for a file that is not an .npz it advises loading it with allow_pickle, i.e.
        # running whatever code it holds.
        log.warning("skipping episode %s: not an episode file (an .npz of arrays), or corrupt or truncated", path)
        return None
    try:
        validate_episode(ep, spec, str(path))
    except (ValueError, TypeError) as err:  # TypeError: a 0-d array where a sequence belongs
        log.warning("skipping episode %s: %s", path, err)
        return None
    return ep
