"""World-model checkpoints: a torch state_dict plus a JSON metadata block, in one directory.

    CKPT_DIR/model.pt        state_dict only, loaded with torch.load(weights_only=True) (load_torch_file)
    CKPT_DIR/meta.json       {"format", "config", "spec", "versions", "train": {...}}
    CKPT_DIR/baselines.pt    the no-camera contact baseline eval-model compares against
    CKPT_DIR/train_state.pt  optimizer + sampler/RNG state for --resume (training only)
    CKPT_DIR/mode1.pt, planning_heads.pt, planning_dynamics.pt   the actor's (lecun-agent distill,
                             distill-heads, distill-dynamics), not read here

Loading builds a fresh model and only returns it once everything checked out, so a caller that
swaps weights at run time keeps its old model when a file is corrupt or does not match.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import platform
from pathlib import Path
from typing import Any

import numpy as np
import torch

from lecun_agent.dataset.format import DatasetSpec
from lecun_agent.paths import MODEL_FILE, default_checkpoint_dir
from lecun_agent.world_model.checkpoint_meta import META_FILE, CheckpointError, read_meta
from lecun_agent.world_model.config import WorldModelConfig
from lecun_agent.world_model.model import WorldModel

log = logging.getLogger(__name__)
# 2: trained on dataset format 2 (base_velocity redefined). 3: planning head (twist, contact, cost
# terms), training seeds in meta["train"]["seeds"], the no-camera contact baseline in baselines.pt.
# 4: no slow level (it did not earn its place in planning, docs/actor.md). A format 3 checkpoint
# still loads: its slow level (`slow.*` weights, `chunk` and `w_chunk` in the config) is dropped;
# its loss reached no other weight (it read detached latents; it only shared the gradient clip).
# What was dropped stays in the model's fingerprint (`dropped_abs_sum`), so a mode-1 policy
# distilled on it still matches.
CHECKPOINT_FORMAT = 4
SLOW_LEVEL_CONFIG, SLOW_LEVEL_PREFIX = ("chunk", "w_chunk"), "slow."
TORCH_SAVE_MAGIC = b"PK\x03\x04"  # torch.save writes a zip archive


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    try:
        own = version("lecun_agent")
    except PackageNotFoundError:
        own = "source"
    return {
        "lecun_agent": own,
        "torch": torch.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
    }


def save_checkpoint(
    out_dir: Path, model: WorldModel, spec: DatasetSpec, train: dict[str, Any] | None = None
) -> None:
    """Write model.pt and meta.json atomically (temp file + rename)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    meta = {
        "format": CHECKPOINT_FORMAT,
        "config": model.cfg.to_dict(),
        "spec": spec.to_dict(),
        "versions": versions(),
        "train": train or {},
    }
    # Both temp files first, then both renames: a failed write (full disk) leaves the old pair whole.
    tmp_model, tmp_meta = out_dir / (MODEL_FILE + ".tmp"), out_dir / (META_FILE + ".tmp")
    torch.save(model.state_dict(), tmp_model)
    tmp_meta.write_text(json.dumps(meta, indent=2))
    tmp_model.replace(out_dir / MODEL_FILE)
    tmp_meta.replace(out_dir / META_FILE)


def load_torch_file(path: Path | str) -> Any:
    """A file this project wrote with torch.save (weights, a training state, a distilled model), read with
    torch.load(weights_only=True). One that is not a torch.save file, or is cut short or damaged, raises
    CheckpointError naming it: torch's own message for a non-weights file advises weights_only=False, i.e.
    running whatever code the file holds. A missing file raises FileNotFoundError."""
    path = Path(path)
    return _torch_load(path, _read_torch_file(path))


def _read_torch_file(path: Path) -> bytes:
    """The bytes of a torch.save file (load_torch_file's checks before unpickling)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise
    except OSError as err:  # a directory, no permission
        raise CheckpointError(f"{path}: cannot read: {err.strerror}") from err
    if not data.startswith(TORCH_SAVE_MAGIC):  # never unpickled: whatever it is, this project did not write it
        raise CheckpointError(f"{path} is not a file this project wrote (not a torch.save file), or it is corrupt")
    return data


def _torch_load(path: Path, data: bytes) -> Any:
    try:
        return torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception as err:  # torch raises many types for a damaged file; all mean the same here
        raise CheckpointError(f"{path} is corrupt or truncated: torch.save wrote it, but it cannot be read") from err


def _weights_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]


def weights_id(ckpt_dir: Path | str | None = None) -> str:
    """A short name of the checkpoint's weights: the first 12 hex digits of model.pt's sha256. Nodes that trade
    latents compare it, since a latent means something only to the encoder's own world model. A loaded model
    carries the id of the very bytes it was built from (`WorldModel.weights_id`)."""
    return _weights_digest(((Path(ckpt_dir) if ckpt_dir is not None else default_checkpoint_dir()) / MODEL_FILE)
                           .read_bytes())


def load_checkpoint(
    ckpt_dir: Path | str | None = None, expect_spec: DatasetSpec | None = None
) -> tuple[WorldModel, DatasetSpec, dict[str, Any]]:
    """-> (model in eval mode, its spec, meta). Raises CheckpointError with the reason."""
    ckpt_dir = Path(ckpt_dir) if ckpt_dir is not None else default_checkpoint_dir()
    meta = read_meta(ckpt_dir)
    try:
        config = meta["config"]
        if meta["format"] == 3:
            config = {k: v for k, v in config.items() if k not in SLOW_LEVEL_CONFIG}
        cfg = WorldModelConfig.from_dict(config)
        spec = DatasetSpec.from_dict(meta["spec"])
    except (KeyError, TypeError, ValueError) as err:
        raise CheckpointError(f"{ckpt_dir}: bad metadata: {err}") from err
    if expect_spec is not None and spec.obs_action_spec() != expect_spec.obs_action_spec():
        diff = [k for k, v in spec.obs_action_spec().items() if expect_spec.obs_action_spec()[k] != v]
        raise CheckpointError(f"{ckpt_dir}: observation/action spec differs from the caller's in {diff}")
    try:
        data = _read_torch_file(ckpt_dir / MODEL_FILE)  # read once: the weights and their id come from the same bytes
    except FileNotFoundError as err:
        raise CheckpointError(f"{ckpt_dir / MODEL_FILE} not found") from err
    state = _torch_load(ckpt_dir / MODEL_FILE, data)
    model = WorldModel(cfg)
    model.weights_id = _weights_digest(data)
    try:
        if meta["format"] == 3:
            model.dropped_abs_sum = drop_slow_level(state)
        model.load_state_dict(state)
    except (RuntimeError, TypeError, AttributeError) as err:
        raise CheckpointError(f"{ckpt_dir}: weights do not match the config: {err}") from err
    return model.eval(), spec, meta


def drop_slow_level(state: dict[str, torch.Tensor]) -> float:
    """Remove a format 3 state_dict's slow-level weights, in place -> the sum of their magnitudes."""
    slow = [state.pop(name) for name in list(state) if name.startswith(SLOW_LEVEL_PREFIX)]
    return float(sum(w.double().abs().sum() for w in slow))
