"""Files that belong to one world model (the mode-1 policy, the search heads, the search dynamics): each holds
the model's fingerprint, and loading it with another model, or one written in another format, is refused
with the command that makes it again."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from lecun_agent.world_model.checkpoint import load_torch_file


def model_fingerprint(model: nn.Module) -> float:
    """A number that changes when any of the model's weights change (not a security hash): a policy or a
    search model reads that model's latents, so it is only valid with the model it was distilled on. Weights
    the checkpoint held but this code dropped on loading count too (world_model/checkpoint.py)."""
    return float(sum(p.detach().double().abs().sum() for p in model.parameters())) + getattr(
        model, "dropped_abs_sum", 0.0)


def save_tied(path, blob: dict, model: nn.Module) -> None:
    """Write `blob` with the model's fingerprint (a temp file, then a rename: a reader never sees half a file)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    torch.save({**blob, "model_fingerprint": model_fingerprint(model)}, tmp)
    tmp.replace(path)


def load_tied(path, model: nn.Module, remake: str, what: str, fmt: int | None = None) -> dict:
    """The blob at `path`; ValueError naming the command `remake` when it is not such a file, was made from
    another world model or, with `fmt`, in another format than this code reads."""
    path = Path(path)
    # the whole command: `remake` alone acts on the shipped checkpoint, and refuses to replace the file (QA, 2026-12-08)
    remake = f"{remake} --checkpoint {path.parent} --replace"
    blob = load_torch_file(path)
    if not isinstance(blob, dict) or "model_fingerprint" not in blob:  # another torch file (model.pt, ...)
        raise ValueError(f"{path} is not a {what} file; run `{remake}` to make one")
    if fmt is not None and blob.get("format") != fmt:
        raise ValueError(f"{path}: {what} in another format ({blob.get('format')}) than this code reads ({fmt}); "
                         f"run `{remake}` again")
    expected = model_fingerprint(model)
    if abs(blob["model_fingerprint"] - expected) > 1e-6 * abs(expected):
        raise ValueError(f"{path}: {what} distilled from a different world model; run `{remake}` again")
    return blob
