"""The plain reference: one MPPI iteration that loops over samples, one model call per sample and step.

It computes what the batched planner computes (same model, same scorer, same weights), so it
serves as the correctness reference in tests and as the "plain implementation" the benchmark
prints beside the batched planner.
"""

from __future__ import annotations

import torch

from lecun_agent.actor.plan_cost import PlanScorer
from lecun_agent.actor.planning_model import PlanningModel
from lecun_agent.actor.sampling import mppi_weights


@torch.inference_mode()  # as the planner's plan
def plain_costs(
    model: PlanningModel,
    scorer: PlanScorer,
    s0: torch.Tensor,  # (D,)
    u: torch.Tensor,  # (N, H, A)
    pose: torch.Tensor,  # (3,)
    goal: torch.Tensor | None,  # (2,)
) -> tuple[torch.Tensor, torch.Tensor]:
    """(N,) plan costs and (N,) veto flags, one sample at a time."""
    totals, fails = [], []
    for n in range(u.shape[0]):
        s, steps = s0[None], []
        for h in range(u.shape[1]):
            s = model.step(s, u[n, h][None])  # (1, D)
            steps.append(model.features(s))
        feats = {k: torch.stack([f[k] for f in steps], dim=1) for k in steps[0]}  # (1, H, ...)
        scored = scorer.score(feats, model.critic(s), pose, goal)
        totals.append(scored.total[0])
        fails.append(scored.fail[0])
    return torch.stack(totals), torch.stack(fails)


def plain_mppi_iteration(model, scorer, s0, u, pose, goal, temperature: float) -> torch.Tensor:
    """The (H, A) MPPI mean of one iteration over the given samples u (N, H, A)."""
    total, fail = plain_costs(model, scorer, s0, u, pose, goal)
    w = mppi_weights(total, fail, temperature)
    return torch.einsum("n,nha->ha", w, u)
