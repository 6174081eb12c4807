"""A checkpoint's meta.json, read without torch: what a long-lived process checks before nodes load the weights.

`lecun-agent sim/up --checkpoint DIR` checks it before starting any node; importing checkpoint.py
there would load torch into the runner for the stack's whole life (1.5 s and a few hundred MB).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

META_FILE = "meta.json"
READABLE_FORMATS = (3, 4)  # checkpoint.py: what each format changed


class CheckpointError(ValueError):
    """A checkpoint that cannot be used: missing, corrupt, or made for other observations."""


def read_meta(ckpt_dir: Path) -> dict[str, Any]:
    path = Path(ckpt_dir) / META_FILE
    try:
        meta = json.loads(path.read_text())
    except FileNotFoundError as err:
        raise CheckpointError(f"{path} not found (is {ckpt_dir} a checkpoint directory?)") from err
    except (OSError, json.JSONDecodeError) as err:
        raise CheckpointError(f"{path} is not readable JSON: {err}") from err
    if meta.get("format") not in READABLE_FORMATS:
        raise CheckpointError(
            f"{path}: checkpoint format {meta.get('format')}, this code reads {READABLE_FORMATS} "
            "(3 added the planning head and the training seeds): train it again"
        )
    return meta
