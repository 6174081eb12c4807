"""Two independent MPPI implementations from the package registries, fed our dynamics and our cost.

Both plan on a `Problem`: the planning model's fast `step` (the same callable our planner rolls
out), and the plan cost of our planner (`PlanScorer` on the predicted features of all N x H
states, critic at the horizon), so the three differ only in how they sample, weigh and update.

  pytorch-mppi  `pytorch_mppi.MPPI`: dynamics(state, action) -> next state; the whole plan cost
                enters as its `terminal_state_cost(states, actions)` (the cost integrates poses
                over the horizon, so it is not a sum of per-step terms), running cost 0. One
                `command()` is one MPPI iteration; its nominal sequence is shifted as a warm start.
                lambda_ 0.01 (its own temperature, in cost units; at its default of 1 its perturbation
                cost lambda * U * noise / sigma^2 outweighs the toy's cost and it barely moves).
  torchrl       `torchrl.modules.planners.MPPIPlanner` over a `ModelBasedEnvBase` whose world model
                is the same step; the plan cost comes in through the advantage module as
                -(J - J_min) / (temperature * (median - min)), the scale our planner's temperature
                has (TorchRL weighs exp(advantage) without subtracting a maximum). `optim_steps` =
                iterations, `top_k` = N (every sample weighted, as in MPPI); it keeps no warm start
                between calls and starts each plan from mean 0, std 1 in action units.

Both peers are optional (`pip install .[bench]`); `missing(name)` says why one cannot run.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from lecun_agent.actor.plan_cost import PlanScorer
from lecun_agent.actor.planning_model import PlanningModel
from lecun_agent.actor.sampling import ActionSpace

# impl name -> the module it imports
PEERS: dict[str, str] = {"pytorch-mppi": "pytorch_mppi", "torchrl": "torchrl"}


def missing(name: str) -> str | None:
    """Why peer `name` cannot run here, or None when it can."""
    module = PEERS[name]
    if importlib.util.find_spec(module) is None:
        return f"{name} not installed: pip install .[bench]"
    return None


@dataclass
class Problem:
    """One planning problem, shared by every implementation: dynamics, cost, start, sizes."""

    model: PlanningModel
    scorer: PlanScorer
    space: ActionSpace
    s0: torch.Tensor  # (D,) latent now
    pose: torch.Tensor  # (3,) odom x, y, yaw now
    goal: torch.Tensor | None  # (2,) odom goal
    samples: int
    horizon: int
    iterations: int = 1
    noise_std: float = 0.3  # fraction of each axis' half-range, as PlannerConfig.noise_std
    temperature: float = 0.1  # relative to (median - min) sample cost, as PlannerConfig.temperature

    @torch.no_grad()
    def plan_cost(self, states: torch.Tensor) -> torch.Tensor:
        """(N, H, D) predicted latents -> (N,) plan cost J, exactly as our planner scores a sample."""
        feats = self.model.features(states)
        return self.scorer.score(feats, self.model.critic(states[:, -1]), self.pose, self.goal).total

    def weights_scale(self, total: torch.Tensor) -> torch.Tensor:
        """temperature * (median - min) of the finite costs: the softmax scale our planner uses."""
        finite = total[torch.isfinite(total)]
        if finite.numel() == 0:
            return torch.tensor(1.0)
        return self.temperature * (finite.median() - finite.min()).clamp(min=1e-9)


class PytorchMPPI:
    """pytorch-mppi's MPPI on a Problem; `act()` plans from problem.s0 and returns the first action."""

    def __init__(self, problem: Problem, lambda_: float = 0.01):
        from pytorch_mppi import MPPI

        p = self.problem = problem
        sigma = torch.diag((p.noise_std * p.space.half) ** 2)  # (A, A) the same per-axis noise as ours
        self.mppi = MPPI(
            self._dynamics, self._running_cost, nx=p.model.latent_dim, noise_sigma=sigma,
            num_samples=p.samples, horizon=p.horizon, terminal_state_cost=self._terminal_cost,
            lambda_=lambda_, u_min=p.space.low, u_max=p.space.high,
            U_init=torch.zeros(p.horizon, p.space.dim),
        )  # fmt: skip

    def _dynamics(self, s: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        return self.problem.model.step(s, a)

    @staticmethod
    def _running_cost(s: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        return torch.zeros(s.shape[0], dtype=s.dtype)

    def _terminal_cost(self, states: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        return self.problem.plan_cost(states[0])  # states (M=1, N, H, D)

    @torch.inference_mode()  # as our planner's plan
    def act(self) -> torch.Tensor:
        """One replanning: shift the nominal sequence, `iterations` MPPI updates -> (A,) first action."""
        a = self.mppi.command(self.problem.s0, shift_nominal_trajectory=True)
        for _ in range(self.problem.iterations - 1):
            a = self.mppi.command(self.problem.s0, shift_nominal_trajectory=False)
        return a


class _Step(nn.Module):
    """The planning model's step as a TensorDictModule body: (state, action) -> (next state, reward 0)."""

    def __init__(self, step: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]):
        super().__init__()
        self.step = step

    def forward(self, state: torch.Tensor, action: torch.Tensor):
        lead = state.shape[:-1]
        nxt = self.step(state.reshape(-1, state.shape[-1]), action.reshape(-1, action.shape[-1]))
        return nxt.reshape(*lead, -1), torch.zeros(*lead, 1)


class _Advantage(nn.Module):
    """Our plan cost as TorchRL's advantage: -(J - J_min) / scale at every step of each candidate."""

    def __init__(self, problem: Problem):
        super().__init__()
        self.problem = problem

    def forward(self, td):
        states = td.get(("next", "state"))  # (*batch, N, H, D)
        lead = states.shape[:-2]
        total = self.problem.plan_cost(states.reshape(-1, *states.shape[-2:])).reshape(lead)
        total = torch.nan_to_num(total, posinf=torch.finfo(total.dtype).max / 4)
        adv = -(total - total.min()) / self.problem.weights_scale(total)
        td.set("advantage", adv[..., None, None].expand(*lead, states.shape[-2], 1))
        return td


def _torchrl_env(problem: Problem):
    from tensordict import TensorDict
    from tensordict.nn import TensorDictModule
    from torchrl.data import Bounded, Composite, Unbounded
    from torchrl.envs.model_based import ModelBasedEnvBase

    d = problem.model.latent_dim

    class LatentEnv(ModelBasedEnvBase):
        def __init__(self, world_model):
            super().__init__(world_model, device="cpu", batch_size=torch.Size([]))
            self.observation_spec = Composite(state=Unbounded((d,)))
            self.state_spec = Composite(state=Unbounded((d,)))
            self.action_spec = Bounded(low=problem.space.low, high=problem.space.high, shape=(problem.space.dim,))
            self.reward_spec = Unbounded((1,))

        def _reset(self, _tensordict=None, **kwargs):
            return TensorDict({"state": problem.s0.clone()}, batch_size=self.batch_size)

    module = TensorDictModule(_Step(problem.model.step), in_keys=["state", "action"], out_keys=["state", "reward"])
    return LatentEnv(module)


class TorchRLMPPI:
    """TorchRL's MPPIPlanner on a Problem; `act()` plans from problem.s0 and returns the first action."""

    def __init__(self, problem: Problem, top_k: int | None = None):
        from tensordict import TensorDict
        from torchrl.modules.planners import MPPIPlanner

        self.problem = p = problem
        self._td = TensorDict
        self.planner = MPPIPlanner(
            _torchrl_env(p), _Advantage(p), temperature=1.0, planning_horizon=p.horizon,
            optim_steps=p.iterations, num_candidates=p.samples, top_k=top_k or p.samples,
        )  # fmt: skip

    @torch.inference_mode()  # as our planner's plan
    def act(self) -> torch.Tensor:
        td = self._td({"state": self.problem.s0}, batch_size=torch.Size([]))
        return self.planner(td)["action"]


PEER_CLASSES = {"pytorch-mppi": PytorchMPPI, "torchrl": TorchRLMPPI}
