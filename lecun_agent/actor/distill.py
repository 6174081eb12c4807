"""A distilled planning dynamics: a small net that imitates the world model where the planner looks.

The student lives in the teacher's latent space: `step` (residual MLP, one member) imitates the
teacher's ensemble mean `next`, and `features` imitates its cost heads. It is trained on the
teacher's own open-loop rollouts, from encoded real states, under action sequences sampled the
way the planner samples them, so it is accurate on the states plans visit. The teacher keeps
the jobs that run on few rows: `step_members` (the uncertainty check, whose predictions the
guardrail reads), `features(..., exact=True)` (the final check) and `critic`.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import torch
from torch import nn

from lecun_agent.actor.planning_model import WorldModelAdapter, along_steps
from lecun_agent.actor.sampling import ActionSpace
from lecun_agent.cost.features import Features
from lecun_agent.world_model.layers import mlp
from lecun_agent.world_model.model import WorldModel


@dataclass
class DistillConfig:
    hidden: int = 128  # dynamics hidden width
    heads_hidden: int = 128  # cost-heads hidden width
    # LayerNorm + SiLU like the world model. Off (plain ReLU, heads 64) rolls out ~1.35x faster but
    # planned 1.8x worse after the same 4000 steps (docs/actor.md).
    layer_norm: bool = True
    steps: int = 3000
    batch_size: int = 128
    rollout: int = 16  # open-loop steps per training window (the planning horizon)
    lr: float = 2e-3
    w_heads: float = 1.0
    noise_std: float = 0.4  # action noise around a random constant command, fraction of half-range
    seed: int = 0


def relu_mlp(inp: int, hidden: int, out: int) -> nn.Sequential:
    """inp -> [Linear, ReLU] * 2 -> Linear(out): no LayerNorm, whose passes cost as much as the
    matmuls at these widths on a CPU."""
    return nn.Sequential(
        nn.Linear(inp, hidden), nn.ReLU(inplace=True), nn.Linear(hidden, hidden), nn.ReLU(inplace=True),
        nn.Linear(hidden, out),
    )  # fmt: skip


class StudentNet(nn.Module):
    """dynamics: (D + A) -> D residual; heads: D -> F in the teacher's normalised head units."""

    def __init__(
        self,
        latent_dim: int,
        action_dim: int,
        features: int,
        hidden: int = 128,
        heads_hidden: int | None = None,
        layer_norm: bool = False,
    ):
        super().__init__()
        make = mlp if layer_norm else relu_mlp
        self.dyn = make(latent_dim + action_dim, hidden, latent_dim)
        self.heads = make(latent_dim, heads_hidden or hidden, features)
        with torch.no_grad():
            self.dyn[-1].weight.mul_(0.1)
            self.dyn[-1].bias.zero_()

    def step(self, s: torch.Tensor, a_scaled: torch.Tensor) -> torch.Tensor:
        return s + self.dyn(torch.cat([s, a_scaled], dim=-1))


class DistilledModel(WorldModelAdapter):
    """PlanningModel whose fast path (`step`, `features`) is a StudentNet; the rest is the teacher's."""

    def __init__(self, teacher: WorldModel, student: StudentNet, dtype: torch.dtype = torch.float32, dt=0.1):
        super().__init__(teacher, fast_members=(0,), dtype=dtype, dt=dt)
        self.student = copy.deepcopy(student).eval().requires_grad_(False).to(dtype)

    @torch.no_grad()
    def step(self, s: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        x = torch.cat([s, a / self.model.action_scale], dim=-1).to(self.dtype)
        return s + self.student.dyn(x).float()

    @torch.no_grad()
    def features(self, s: torch.Tensor, every: int = 1, exact: bool = False) -> Features:
        if exact:  # the teacher's own heads
            return super().features(s, every, exact=True)
        flat = along_steps(self.student.heads, s.to(self.dtype), every)
        return self.model.split_features(flat * self.model.feature_std + self.model.feature_mean)


def sample_actions(space: ActionSpace, n: int, horizon: int, noise_std: float, gen) -> torch.Tensor:
    """(n, H, A) planner-like sequences: a random constant command plus smooth noise, projected."""
    centre = space.low + (space.high - space.low) * torch.rand(n, 1, space.dim, generator=gen)
    u = centre + space.noise(n, horizon, 0.5, gen) * noise_std * space.half
    return space.project(u, centre[:, 0])


def distill_planning_model(
    teacher: WorldModel, starts: torch.Tensor, space: ActionSpace, cfg: DistillConfig | None = None
) -> tuple[StudentNet, list[float]]:
    """Train a StudentNet on teacher rollouts from `starts` (M, D) encoded states -> (net, losses)."""
    cfg = cfg or DistillConfig()
    gen = torch.Generator().manual_seed(cfg.seed)
    torch.manual_seed(cfg.seed)
    tcfg = teacher.cfg
    widths = torch.tensor([w for w in tcfg.head_features.values() for _ in range(w)], dtype=torch.float32)
    col_w = 1.0 / (widths * len(tcfg.head_features))  # each feature group weighs the same
    student = StudentNet(
        tcfg.latent_dim, tcfg.action_dim, len(widths), cfg.hidden, cfg.heads_hidden, cfg.layer_norm
    )
    scale = starts.std(0).clamp(min=1e-3)  # (D,) per-dimension latent scale
    opt = torch.optim.Adam(student.parameters(), lr=cfg.lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, cfg.steps)
    losses = []
    for _ in range(cfg.steps):
        idx = torch.randint(0, starts.shape[0], (cfg.batch_size,), generator=gen)
        u = sample_actions(space, cfg.batch_size, cfg.rollout, cfg.noise_std, gen)  # (B, L, A)
        with torch.no_grad():
            target = teacher.rollout(starts[idx], u)  # (B, L, D)
            target_heads = teacher.heads_normalised(target)  # (B, L, F)
        s, preds = starts[idx], []
        for h in range(cfg.rollout):
            s = student.step(s, u[:, h] / teacher.action_scale)
            preds.append(s)
        pred = torch.stack(preds, 1)
        loss_dyn = (((pred - target) / scale) ** 2).mean()
        loss_heads = (((student.heads(pred) - target_heads) ** 2) * col_w).sum(-1).mean()
        loss_heads = loss_heads + (((student.heads(target) - target_heads) ** 2) * col_w).sum(-1).mean()
        loss = loss_dyn + cfg.w_heads * loss_heads
        opt.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(student.parameters(), 10.0)
        opt.step()
        sched.step()
        losses.append(loss.item())
    return student.eval(), losses


def teacher_fingerprint(teacher: WorldModel) -> float:
    """A number that changes when the teacher's dynamics or heads change (not a security hash)."""
    return float(
        sum(
            p.detach().double().abs().sum()
            for p in [*teacher.dynamics.parameters(), *teacher.heads.parameters(), *teacher.plan.parameters()]
        )
    )


def save_student(path, student: StudentNet, teacher: WorldModel, cfg: DistillConfig) -> None:
    torch.save(
        {
            "state_dict": student.state_dict(),
            "hidden": cfg.hidden,
            "heads_hidden": cfg.heads_hidden,
            "layer_norm": cfg.layer_norm,
            "teacher_fingerprint": teacher_fingerprint(teacher),
            "distill_config": {k: getattr(cfg, k) for k in DistillConfig.__dataclass_fields__},
        },
        path,
    )


def load_student(path, teacher: WorldModel) -> StudentNet:
    """The student saved at `path`; ValueError when it was distilled from another teacher."""
    blob = torch.load(path, map_location="cpu", weights_only=True)
    if abs(blob["teacher_fingerprint"] - teacher_fingerprint(teacher)) > 1e-6 * abs(
        blob["teacher_fingerprint"]
    ):
        raise ValueError(f"{path}: distilled from a different world model; distill again")
    tcfg = teacher.cfg
    net = StudentNet(
        tcfg.latent_dim, tcfg.action_dim, sum(tcfg.head_features.values()), blob["hidden"],
        blob.get("heads_hidden", blob["hidden"]), blob.get("layer_norm", True),
    )  # fmt: skip
    net.load_state_dict(blob["state_dict"])
    return net.eval()
