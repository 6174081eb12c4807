"""Results as plain JSON: numpy and torch scalars to Python numbers, NaN and Inf to None (null)."""

from __future__ import annotations

import math

import numpy as np
import torch


def plain_json(x):
    if isinstance(x, dict):
        return {str(k): plain_json(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [plain_json(v) for v in x]
    if isinstance(x, np.generic | torch.Tensor):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x
