"""Mode 1: a small policy distilled from the planner's choices, its proposal and its fallback.

    inputs  = [s (D), goal bearing cos/sin in the body frame, clipped goal distance, has_goal,
               last command in box units (A)]
    action  = box centre + half-range * tanh(MLP(inputs))        always inside the command box

`distill_policy` is behaviour cloning: MSE, in box units, between the policy's action and the
planner's first action on recorded (inputs, first action) pairs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn

from lecun_agent.actor.config import gait_action_box
from lecun_agent.actor.tied_file import load_tied, save_tied
from lecun_agent.world_model.layers import mlp

_LOW, _HIGH = gait_action_box()
GOAL_FEATURES = 4


@dataclass
class PolicyConfig:
    latent_dim: int = 64
    hidden: int = 128
    goal_range: float = 5.0  # m; goal distances beyond this look the same to the policy
    action_low: tuple[float, ...] = field(default_factory=lambda: _LOW)
    action_high: tuple[float, ...] = field(default_factory=lambda: _HIGH)

    @property
    def action_dim(self) -> int:
        return len(self.action_low)

    @property
    def input_dim(self) -> int:
        return self.latent_dim + GOAL_FEATURES + self.action_dim


def policy_inputs(
    latent: torch.Tensor,  # (B, D)
    pose: torch.Tensor,  # (B, 3) odom x, y, yaw
    goal: torch.Tensor | None,  # (B, 2) odom goal, or None for no goal
    last_action: torch.Tensor | None,  # (B, A) command being executed, or None (standing)
    cfg: PolicyConfig,
) -> torch.Tensor:
    """(B, D + 4 + A): the latent, the goal as the body sees it, the last command in box units."""
    b = latent.shape[0]
    low, high = torch.tensor(cfg.action_low), torch.tensor(cfg.action_high)
    if goal is None:
        g = torch.zeros(b, GOAL_FEATURES)
    else:
        d_world = goal - pose[:, :2]  # (B, 2)
        c, s = torch.cos(pose[:, 2]), torch.sin(pose[:, 2])
        d_body = torch.stack(
            [c * d_world[:, 0] + s * d_world[:, 1], -s * d_world[:, 0] + c * d_world[:, 1]], -1
        )
        dist = torch.linalg.vector_norm(d_body, dim=-1, keepdim=True)  # (B, 1)
        bearing = d_body / dist.clamp(min=1e-6)
        g = torch.cat([bearing, dist.clamp(max=cfg.goal_range) / cfg.goal_range, torch.ones(b, 1)], -1)
    last = torch.zeros(b, cfg.action_dim) if last_action is None else last_action
    last_box = (2 * last - (high + low)) / (high - low)  # [-1, 1] per axis
    return torch.cat([latent, g, last_box], -1)


class Mode1Policy(nn.Module):
    def __init__(self, cfg: PolicyConfig | None = None):
        super().__init__()
        self.cfg = cfg = cfg or PolicyConfig()
        self.net = mlp(cfg.input_dim, cfg.hidden, cfg.action_dim)
        self.register_buffer("low", torch.tensor(cfg.action_low))
        self.register_buffer("high", torch.tensor(cfg.action_high))

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        """(B, I) -> (B, A) in box units (-1 .. 1)."""
        return torch.tanh(self.net(inputs))

    def to_action(self, box: torch.Tensor) -> torch.Tensor:
        a = (self.high + self.low) / 2 + box * (self.high - self.low) / 2
        return torch.maximum(torch.minimum(a, self.high), self.low)  # rounding never leaves the box

    def to_box(self, action: torch.Tensor) -> torch.Tensor:
        return (2 * action - (self.high + self.low)) / (self.high - self.low)

    @torch.inference_mode()
    def act(self, latent, pose, goal=None, last_action=None) -> torch.Tensor:
        """One state: latent (D,), pose (3,), goal (2,) or None, last_action (A,) or None -> (A,)."""
        one = lambda x: None if x is None else torch.as_tensor(x, dtype=torch.float32).reshape(1, -1)  # noqa: E731
        x = policy_inputs(one(latent), one(pose), one(goal), one(last_action), self.cfg)
        return self.to_action(self(x))[0]

    def propose(self, latent, pose, goal, last_action, horizon: int) -> torch.Tensor:
        """(H, A): the policy's action held over the horizon (the planner's mode-1 proposal)."""
        return self.act(latent, pose, goal, last_action).expand(horizon, -1).clone()


def distill_policy(
    policy: Mode1Policy,
    inputs: torch.Tensor,  # (M, I) from policy_inputs
    actions: torch.Tensor,  # (M, A) the planner's first actions
    steps: int = 2000,
    batch_size: int = 256,
    lr: float = 1e-3,
    seed: int = 0,
) -> list[float]:
    """Behaviour cloning on the planner's first actions; returns the loss per step (box units^2)."""
    gen = torch.Generator().manual_seed(seed)
    target = policy.to_box(actions).clamp(-1.0, 1.0)
    opt = torch.optim.Adam(policy.parameters(), lr=lr)
    policy.train()
    losses = []
    for _ in range(steps):
        idx = torch.randint(0, inputs.shape[0], (min(batch_size, inputs.shape[0]),), generator=gen)
        loss = (policy(inputs[idx]) - target[idx]).pow(2).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    policy.eval()
    return losses


@torch.no_grad()
def policy_plan(policy: Mode1Policy, model, s0, pose, goal, last_action, horizon: int) -> torch.Tensor:
    """(H, A): mode 1 run closed-loop through a PlanningModel for H steps (pose from the predicted
    twist), i.e. the plan mode 1 alone would follow if the model were right. H policy calls."""
    from lecun_agent.actor.plan_cost import integrate_poses

    s = torch.as_tensor(s0, dtype=torch.float32).reshape(1, -1)
    pose = torch.as_tensor(pose, dtype=torch.float32).reshape(3)
    goal_t = None if goal is None else torch.as_tensor(goal, dtype=torch.float32).reshape(1, 2)
    last = None if last_action is None else torch.as_tensor(last_action, dtype=torch.float32).reshape(1, -1)
    out = []
    for _ in range(horizon):
        a = policy.to_action(policy(policy_inputs(s, pose[None], goal_t, last, policy.cfg)))  # (1, A)
        s = model.step(s, a)
        xy, yaw = integrate_poses(model.features(s)["base_velocity"][:, None], pose, model.dt)
        pose = torch.cat([xy[0, 0], yaw[0]])
        out.append(a[0])
        last = a
    return torch.stack(out)


def save_policy(path, policy: Mode1Policy, model: nn.Module, info: dict | None = None) -> None:
    """Write the policy, its config and the fingerprint of its world model."""
    cfg = {k: getattr(policy.cfg, k) for k in PolicyConfig.__dataclass_fields__}
    save_tied(path, {"state_dict": policy.state_dict(), "config": cfg, "info": info or {}}, model)


def load_policy(path, model: nn.Module) -> Mode1Policy:
    """The policy at `path`; ValueError when it was distilled on another world model."""
    blob = load_tied(path, model, "lecun-agent distill", "mode-1 policy")
    cfg = blob["config"]
    policy = Mode1Policy(PolicyConfig(**{**cfg, "action_low": tuple(cfg["action_low"]),
                                         "action_high": tuple(cfg["action_high"])}))
    policy.load_state_dict(blob["state_dict"])
    return policy.eval()
