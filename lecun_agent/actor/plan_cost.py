"""The plan cost: the intrinsic cost terms on predicted features, the goal drive, the critic.

    J = sum_h discount^h * C(f_h)  +  critic_weight * discount^H * V(s_H)  +  uncertainty penalty
        (+ sum_h discount^h * the goal's angle outside the view, while looking around for its marker:
           look_for_goal.py)
        (+ sum_h discount^h * the speed above a cap, on steps near a remembered touch: slow_near_touches.py)

C is cost_node's `IntrinsicCost` itself (same terms, same weights object), evaluated on the
predicted features of every step of every sample at once (lead shape (N, H)). Pose and goal
features come from odometry plus the integrated predicted twist, so goal_distance and progress
are the goal drive. Remembered touches (contact_memory.py) raise the predicted body contact force
where a plan goes back to them (up to a certain contact), and cost more where it presses deeper:
priced as pain and vetoed by the same rule (a plan pressing about 0.1 m past a touched spot's
edge is unacceptable), but not a predicted force, so the published plan costs, which the
guardrail checks, never hold the depth. Seen contacts (seen_contacts.py: the model's predicted
contacts of earlier ticks, kept once out of view) are priced the same way, up to a certain
contact, and not published either. A term's veto at any step marks the whole sample
unacceptable.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from lecun_agent.actor.contact_memory import ContactMemory
from lecun_agent.actor.look_for_goal import LookForGoal
from lecun_agent.actor.planning_model import CONTACT_FORCE
from lecun_agent.actor.seen_contacts import SeenContacts
from lecun_agent.actor.slow_near_touches import SlowNearTouches
from lecun_agent.cost.features import Features
from lecun_agent.cost.term import CostData
from lecun_agent.cost.total import IntrinsicCost


def integrate_poses(twist: torch.Tensor, pose: torch.Tensor, dt: float) -> tuple[torch.Tensor, torch.Tensor]:
    """twist (..., H, 3) body-frame (vx, vy, wz) per step, pose (3,) odom (x, y, yaw) at the start
    -> positions (..., H, 2) and yaws (..., H) at the end of each step (midpoint heading per step)."""
    dyaw = twist[..., 2] * dt  # (..., H)
    yaw = pose[2] + torch.cumsum(dyaw, dim=-1)
    mid = yaw - 0.5 * dyaw
    c, s = torch.cos(mid), torch.sin(mid)
    vx, vy = twist[..., 0], twist[..., 1]
    step = torch.stack([c * vx - s * vy, s * vx + c * vy], dim=-1) * dt  # (..., H, 2)
    return pose[:2] + torch.cumsum(step, dim=-2), yaw


# The cost terms that read the body contact force, the one feature the remembered and seen contacts change:
# only these are scored again for the priced copy (IntrinsicCost.rescore; test_cost_terms.py checks
# that no other term reads it).
CONTACT_TERMS = ("pain",)


@dataclass
class Scored:
    """Scores of N sampled plans over H steps."""

    total: torch.Tensor  # (N,) plan cost J, veto_penalty added where vetoed
    fail: torch.Tensor  # (N,) bool, some term vetoed some step
    data: CostData  # per-step raw / weighted terms (N, H): the predicted quantities (no remembered depth)
    position: torch.Tensor  # (N, H, 2) odom
    yaw: torch.Tensor  # (N, H)
    spread: torch.Tensor | None  # (N, H) ensemble spread, when measured
    contact: torch.Tensor | None  # (N, H) the model's own predicted body contact force, N (no memory)


@dataclass
class PlanScorer:
    """Turns predicted features into plan costs with the live weights of `cost`."""

    cost: IntrinsicCost  # replaced by Actor.follow when cost_node's definition changes
    dt: float  # s per model step
    discount: float = 0.95
    critic_weight: float = 1.0
    uncertainty_weight: float = 0.0
    veto_penalty: float = 1.0e6

    def step_weights(self, horizon: int) -> torch.Tensor:
        """(H,) discount^h for the cost of step h (the state after action h)."""
        return self.discount ** torch.arange(horizon, dtype=torch.float32)

    @torch.no_grad()
    def score(
        self,
        feats: Features,  # name -> (N, H, ...) predicted, without pose and goal
        value: torch.Tensor,  # (N,) critic at the horizon
        pose: torch.Tensor,  # (3,) odom x, y, yaw now
        goal: torch.Tensor | None,  # (2,) odom goal, or None
        spread: torch.Tensor | None = None,  # (N, H) ensemble spread per step
        memory: ContactMemory | None = None,  # remembered touches: contact force where plans go back
        seen: SeenContacts | None = None,  # contacts predicted on earlier ticks: priced, not predicted
        look: LookForGoal | None = None,  # this tick's term keeping a point in view
        slow: SlowNearTouches | None = None,  # speed above a cap costs near the remembered touches
    ) -> Scored:
        twist = feats["base_velocity"]  # (N, H, 3)
        n, h = twist.shape[:2]
        position, yaw = integrate_poses(twist, pose, self.dt)
        full = dict(feats)
        full["position"], full["yaw"] = position, yaw
        full["goal"] = (goal if goal is not None else torch.zeros(2)).expand(n, h, 2)
        full["has_goal"] = torch.full((n, h), 1.0 if goal is not None else 0.0)
        gap = None if memory is None else memory.gap(position, yaw)  # (N, H) m to the nearest touch
        remembered = None if gap is None else memory.charge(gap)  # (N, H), N
        pressed = None
        if remembered is not None:
            model = full.get(CONTACT_FORCE, torch.zeros(n, h))
            full[CONTACT_FORCE] = torch.maximum(model, remembered.clamp(max=memory.force_n))
            if bool((remembered > full[CONTACT_FORCE]).any()):  # a plan pressing past a touched spot's edge
                pressed = {**full, CONTACT_FORCE: torch.maximum(model, remembered)}
        earlier = None if seen is None else seen.force(position, yaw)  # (N, H), N
        if earlier is not None:
            pressed = pressed or full
            pressed = {**pressed, CONTACT_FORCE: torch.maximum(pressed.get(CONTACT_FORCE, earlier), earlier)}
        data = self.cost.evaluate(full)  # costs (N, H), fail_flag (N, H)
        # The depth and the seen contacts are priced as pain and vetoed by the same rule, but they are
        # no predicted force, so `data` (the plan's predicted quantities, which the guardrail checks)
        # does not hold them.
        priced = data if pressed is None else self.cost.rescore(data, pressed, CONTACT_TERMS)
        w = self.step_weights(h)  # (H,)
        total = (priced.costs * w).sum(-1) + self.critic_weight * self.discount**h * value
        if spread is not None and self.uncertainty_weight > 0:
            total = total + self.uncertainty_weight * (spread * w).sum(-1)
        if look is not None:
            total = total + (look.cost(position, yaw) * w).sum(-1)
        near = None if slow is None else slow.cost(gap, twist)
        if near is not None:
            total = total + (near * w).sum(-1)
        fail = priced.fail_flag.any(-1)
        bad = ~torch.isfinite(total)
        total = torch.where(bad, torch.full_like(total, float("inf")), total)
        total = torch.where(fail, total + self.veto_penalty, total)
        return Scored(total, fail | bad, data, position, yaw, spread, feats.get(CONTACT_FORCE))
