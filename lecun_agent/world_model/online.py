"""OnlinePredictorLearner: keep adapting the predictor P to the transitions the robot lives through.

world_model_node sees latents, not frames, so online learning adapts what latents can teach:
the ensemble dynamics, with each member's one-step consistency loss (the h = 1 term of the
offline loss, `learning/losses.py`) on (s_t, a_t, s_t+1) samples from short-term memory. The
encoder, heads and critic stay frozen, so the latent space every other node reads
does not move under them. Offline `lecun-agent train` on recorded data retrains everything.
"""

from __future__ import annotations

import numpy as np
import torch

from lecun_agent.world_model.model import WorldModel


class OnlinePredictorLearner:
    """step(s, a, s_next) does one Adam step on model.dynamics; the rest of the model is untouched."""

    def __init__(self, model: WorldModel, lr: float, seed: int = 0):
        self.model = model
        self.optimizer = torch.optim.Adam(model.dynamics.parameters(), lr=lr)
        self.rng = np.random.default_rng(seed)
        self.updates = 0
        self.last_loss = float("nan")

    def set_lr(self, lr: float) -> None:
        for group in self.optimizer.param_groups:
            group["lr"] = lr

    def step_on(self, memory, batch_size: int) -> float:
        """One update on a uniform batch from short-term memory (`memory/replay.py`)."""
        batch = memory.sample(batch_size, self.rng)
        return self.step(batch["s"], batch["a"], batch["s_next"])

    def step(self, s: torch.Tensor, a: torch.Tensor, s_next: torch.Tensor) -> float:
        """One update on a batch; returns the loss before the step."""
        members = self.model.next_ensemble(s, a)  # (K, B, D)
        loss = (members - s_next).pow(2).mean()
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.updates += 1
        self.last_loss = float(loss.detach())
        return self.last_loss
