"""What one planning tick hands to actor_node: the plan, its predictions, the samples, timings."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from lecun_agent.actor.plan_cost import Scored


@dataclass
class Batch:
    """Action sequences and their scores; `members` rows per sequence in members mode."""

    u: torch.Tensor  # (N, H, A)
    scored: Scored  # rows R = members * N (member-major)
    members: int = 1

    def per_sample(self, x: torch.Tensor) -> torch.Tensor:
        """(R, ...) -> (N, ...) mean over members."""
        return x.reshape(self.members, -1, *x.shape[1:]).mean(0) if self.members > 1 else x

    @property
    def total(self) -> torch.Tensor:  # (N,)
        return self.per_sample(self.scored.total)

    @property
    def fail(self) -> torch.Tensor:  # (N,) any member vetoes
        f = self.scored.fail
        return f.reshape(self.members, -1).any(0) if self.members > 1 else f


DEADLINE_SOURCES = ("best_sample", "mode1", "warm_start")  # what goes out when the deadline hits


@dataclass
class PlanResult:
    actions: torch.Tensor  # (H, A) the chosen command sequence; actions[0] goes out now
    poses: torch.Tensor  # (H + 1, 3) predicted odom x, y, yaw; row 0 is the current pose (nav_msgs/Path)
    predicted: dict[str, torch.Tensor]  # (H,) raw term values + tilt (+ spread) along the plan (guardrail)
    weighted: dict[str, torch.Tensor]  # (H,) weighted term values along the plan
    cost: float  # plan cost J of the chosen plan
    vetoed: bool  # the chosen plan itself predicts a veto (every candidate did)
    samples_xy: torch.Tensor  # (N, H + 1, 2) predicted paths of the last iteration's samples (MarkerArray)
    sample_costs: torch.Tensor  # (N,)
    vetoed_fraction: float  # share of the last iteration's samples that a term vetoed
    source: str  # "plan" | "policy" (mode 1 acting alone, scored: score_plan) | on a deadline miss:
    # "best_sample" (hit late), "mode1" or "warm_start" (hit early)
    iterations: int  # iterations completed
    timings_ms: dict[str, float] = field(default_factory=dict)  # sample, rollout, score, update, check, total

    @property
    def deadline_missed(self) -> bool:
        return self.source in DEADLINE_SOURCES


def result_from(
    batch: Batch, row: int, last: Batch | None, pose: torch.Tensor, source: str, done: int, timings
) -> PlanResult:
    """Build the tick's result from the chosen batch row and the last iteration's samples."""
    s = batch.scored
    raw = {name: batch.per_sample(v)[row] for name, v in s.data.raw.items()}
    raw["tilt"] = batch.per_sample(s.data.features["tilt"])[row]
    if s.spread is not None:
        raw["spread"] = batch.per_sample(s.spread)[row]
    weighted = {name: batch.per_sample(v)[row] for name, v in s.data.weighted.items()}
    xy, yaw = batch.per_sample(s.position)[row], batch.per_sample(s.yaw)[row]  # (H, 2), (H,)
    poses = torch.cat([pose[None], torch.cat([xy, yaw[:, None]], -1)], 0)
    samples = last if last is not None else batch
    paths = samples.per_sample(samples.scored.position)  # (N, H, 2)
    paths = torch.cat([pose[:2].expand(paths.shape[0], 1, 2), paths], 1)
    total = float(batch.total[row])
    return PlanResult(
        actions=batch.u[row].clone(),
        poses=poses,
        predicted=raw,
        weighted=weighted,
        cost=total,
        vetoed=bool(batch.fail[row]),
        samples_xy=paths,
        sample_costs=samples.total,
        vetoed_fraction=float(samples.fail.float().mean()),
        source=source,
        iterations=done,
        timings_ms=dict(timings),
    )
