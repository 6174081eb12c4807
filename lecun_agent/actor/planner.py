"""Planner: mode 2 of the actor, MPPI (or CEM) over a planning model in latent space.

Each tick (`plan`): warm start from the previous plan shifted by one step (plus the mode-1
proposal), sample N sequences around it in one batch, roll them through the planning model's
fast path, score them with the live intrinsic-cost weights, update the mean; after the last
iteration, re-score the mean and the best samples (with the full ensemble when uncertainty is
"elites") and return the cheapest. With a deadline, the best plan finished so far (or the
mode-1 proposal, or the shifted previous plan) goes out on a miss, and the miss is counted.
Without one, the result is a function of the inputs and the seed only.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable, Sequence

import torch

from lecun_agent.actor.config import PlannerConfig
from lecun_agent.actor.contact_memory import ContactMemory, Footprint
from lecun_agent.actor.look_for_goal import look_for_goal
from lecun_agent.actor.plan_cost import PlanScorer, Scored
from lecun_agent.actor.planning_model import PlanningModel
from lecun_agent.actor.result import Batch, PlanResult, result_from
from lecun_agent.actor.rollout import rollout
from lecun_agent.actor.sampling import ActionSpace, acceptable, cem_stats, mppi_weights, shift_plan
from lecun_agent.actor.seen_contacts import SeenContacts
from lecun_agent.actor.slow_near_touches import SlowNearTouches
from lecun_agent.cost.total import IntrinsicCost


class DeadlineMiss(Exception):
    """Raised inside a rollout when the tick's deadline has passed."""


def _tensor(x, n: int | None = None) -> torch.Tensor:
    t = torch.as_tensor(x, dtype=torch.float32).reshape(-1)
    if n is not None and t.numel() != n:
        raise ValueError(f"expected {n} values, got {t.numel()}")
    return t


class Planner:
    """Stateful only in its warm start and counters; see `plan` for what one tick takes."""

    def __init__(
        self,
        model: PlanningModel,
        cost: IntrinsicCost,
        config: PlannerConfig | None = None,
        policy=None,  # anything with propose(latent, pose, goal, last_action, horizon) -> (H, A)
        clock: Callable[[], float] = time.perf_counter,
        footprint: Footprint | None = None,  # the body seen from above, for the contact memory
    ) -> None:
        self.cfg = cfg = config or PlannerConfig()
        if cfg.action_dim != model.action_dim:
            raise ValueError(f"action box has {cfg.action_dim} dims, the model takes {model.action_dim}")
        self.model = _compiled(model) if cfg.compile else model
        self.cost, self.policy, self.clock = cost, policy, clock
        self.space = ActionSpace(cfg.action_low, cfg.action_high, cfg.rate_limit)
        self.scorer = PlanScorer(
            cost, model.dt, cfg.discount, cfg.critic_weight, cfg.uncertainty_weight, cfg.veto_penalty
        )
        self.memory = ContactMemory(cfg.contact_memory, cfg.contact_force_n, footprint)
        self.seen = SeenContacts(cfg.seen_contacts_s, cfg.contact_force_n, footprint, cfg.seen_threshold,
                                 math.radians(cfg.seen_view_deg) / 2)
        self.look = look_for_goal(cfg.look_for_goal_weight, cfg.look_for_goal_view_deg)
        self.slow = SlowNearTouches(cfg.slow_near_touches_weight, cfg.slow_near_touches_m,
                                    cfg.slow_near_touches_speed)
        self.sample_mode = {"penalty": "mean", "members": "members"}.get(cfg.uncertainty, "fast")
        self.check_mode = "mean" if cfg.uncertainty == "elites" else self.sample_mode
        self.stats: Counter[str] = Counter()
        self._plan: torch.Tensor | None = None  # (H, A) last chosen plan
        self._iter_s = 0.0  # duration of the last iteration, to skip one that cannot finish
        self._check_s: float | None = None  # duration of the last final check (None: not measured yet)

    def reset(self) -> None:
        """Forget the warm start, the remembered touches and the seen contacts (new episode or goal)."""
        self._plan = None
        self.memory.clear()
        self.seen.clear()

    def warm_start(self, last_action: torch.Tensor | None = None) -> torch.Tensor:
        """(H, A): the previous plan shifted by one step, else the current command held."""
        h, a = self.cfg.horizon, self.space.dim
        if self._plan is not None:
            return shift_plan(self._plan)
        return (last_action if last_action is not None else torch.zeros(a)).expand(h, a).clone()

    # ---- one tick ------------------------------------------------------------------------------
    @torch.inference_mode()  # no_grad's numbers, less work per op: 0.92x a plan (docs/actor.md, "Inference mode")
    def plan(
        self,
        latent,  # (D,) s_t from perception
        pose: Sequence[float] = (0.0, 0.0, 0.0),  # odom x, y, yaw now
        goal: Sequence[float] | None = None,  # odom goal x, y; None: no goal drive
        last_action: Sequence[float] | None = None,  # (A,) command being executed (rate-limit start)
        weights: dict[str, float] | None = None,  # cost_node's weights.<term>; applied before planning
        seed: int | None = None,  # None: config seed + tick count
        deadline_s: float | None = -1.0,  # -1: the config's; None or 0: no deadline
        proposal=None,  # (H, A) mode-1 proposal; None asks self.policy when there is one
        stamp: float | None = None,  # the tick's time, s; with it, the samples' first contacts are remembered
        look_at=None,  # (2,) odom point to keep in view (the goal sent, while looking around for its marker)
    ) -> PlanResult:
        cfg, t0 = self.cfg, self.clock()
        if weights:
            self.cost.set_weights(weights)
        deadline_s = cfg.deadline_s if deadline_s == -1.0 else deadline_s
        deadline = t0 + deadline_s if deadline_s else None
        s0 = _tensor(latent, self.model.latent_dim)
        pose_t = _tensor(pose, 3)
        goal_t = None if goal is None else _tensor(goal, 2)
        last = None if last_action is None else _tensor(last_action, self.space.dim)
        gen = torch.Generator().manual_seed(int(cfg.seed + self.stats["plans"] if seed is None else seed))
        shooting = cfg.method == "random"  # random shooting: no warm start, no proposal
        if proposal is None and self.policy is not None and not shooting:
            proposal = self.policy.propose(s0, pose_t, goal_t, last, cfg.horizon)
        proposal = None if proposal is None else self.space.project(torch.as_tensor(proposal).float(), last)
        held = last if last is not None else torch.zeros(self.space.dim)
        start = held.expand(cfg.horizon, -1).clone() if shooting else self.warm_start(last)
        mean = self.space.project(start, last)  # (H, A)
        std = torch.full_like(mean, cfg.noise_std) * self.space.half  # (H, A)
        timings: Counter[str] = Counter()
        look = None if look_at is None or self.look.weight <= 0 else self.look.towards(_tensor(look_at, 2))
        ctx = (s0, pose_t, goal_t, last, look)

        def tick() -> None:
            if deadline is not None and self.clock() > deadline:
                raise DeadlineMiss

        best: Batch | None = None
        done, source = 0, "plan"
        try:
            for it in range(cfg.iterations):
                if deadline is not None and it > 0:
                    check_s = self._iter_s if self._check_s is None else self._check_s
                    if self.clock() + self._iter_s + check_s > deadline:
                        break  # anytime: an iteration that would leave no time for the check is not started
                t_it = self.clock()
                u = self._sample(mean, std, proposal if it == 0 else None, last, gen, timings)
                best = self._evaluate(u, ctx, self.sample_mode, tick, timings, cfg.head_stride)
                mean, std = self._update(best, mean, std, last, timings)
                done += 1
                self._iter_s = self.clock() - t_it
            t_check = self.clock()
            chosen = self._check(best, mean, ctx, tick, timings)
            self._check_s = self.clock() - t_check
        except DeadlineMiss:
            self.stats["deadline_misses"] += 1
            if best is None:  # nothing finished: mode 1, else the previous plan shifted
                source = "mode1" if proposal is not None else "warm_start"
                fallback = (proposal if proposal is not None else mean)[None]
                chosen = (self._evaluate(fallback, ctx, "fast", None, timings), 0)
            else:
                source = "best_sample"
                chosen = (best, int(torch.argmin(best.total)))
        batch, row = chosen
        if stamp is not None and best is not None and best.scored.contact is not None:
            per = best.per_sample
            self.seen.add(stamp, pose_t, per(best.scored.position), per(best.scored.yaw), per(best.scored.contact),
                          goal_t)
        self._plan = batch.u[row].clone()
        self.stats["plans"] += 1
        timings["total"] = (self.clock() - t0) * 1e3
        result = result_from(batch, row, best, pose_t, source, done, timings)
        self.stats["vetoed_plans"] += int(result.vetoed)
        return result

    @torch.inference_mode()
    def score_plan(self, latent, actions, pose=(0.0, 0.0, 0.0), goal=None, last_action=None,
                   weights: dict[str, float] | None = None) -> PlanResult:
        """The predictions and cost of a given command sequence (H, A), checked as a plan's final
        candidates are (the full ensemble for "elites"): what mode 1 alone publishes for the guardrail."""
        t0 = self.clock()
        if weights:
            self.cost.set_weights(weights)
        last = None if last_action is None else _tensor(last_action, self.space.dim)
        ctx = (_tensor(latent, self.model.latent_dim), _tensor(pose, 3), None if goal is None else _tensor(goal, 2),
               last, None)
        u = self.space.project(torch.as_tensor(actions, dtype=torch.float32), last)[None]
        timings: Counter[str] = Counter()
        batch = self._evaluate(u, ctx, self.check_mode, None, timings, exact=True)
        self._plan = u[0].clone()
        self.stats["plans"] += 1
        timings["total"] = (self.clock() - t0) * 1e3
        result = result_from(batch, 0, None, ctx[1], "policy", 0, timings)
        self.stats["vetoed_plans"] += int(result.vetoed)
        return result

    # ---- steps of a tick --------------------------------------------------------------------
    def _sample(self, mean, std, proposal, last, gen, timings) -> torch.Tensor:
        """(N, H, A): the mean itself, the proposal, then noise around the proposal and the mean."""
        t = self.clock()
        cfg, n = self.cfg, self.cfg.samples
        if cfg.method == "random":
            u = self.space.project(self.space.uniform(n, cfg.horizon, gen), last)
            timings["sample"] += (self.clock() - t) * 1e3
            return u
        centres = mean.expand(n, *mean.shape).clone()  # (N, H, A)
        noise = self.space.noise(n, cfg.horizon, cfg.noise_smoothing, gen) * std
        noise[0] = 0.0
        if proposal is not None:
            k = max(1, int(round(cfg.proposal_fraction * n)))
            centres[1 : 1 + k] = proposal
            noise[1] = 0.0
        u = self.space.project(centres + noise, last)
        timings["sample"] += (self.clock() - t) * 1e3
        return u

    def _evaluate(self, u, ctx, mode, tick, timings, head_stride: int = 1, exact: bool = False) -> Batch:
        s0, pose, goal, _, look = ctx
        t = self.clock()
        roll = rollout(self.model, s0, u, mode, tick, head_stride, exact)
        t1 = self.clock()
        scored: Scored = self.scorer.score(roll.feats, roll.value, pose, goal, roll.spread, self.memory, self.seen,
                                           look, self.slow)
        timings["rollout"] += (t1 - t) * 1e3
        timings["score"] += (self.clock() - t1) * 1e3
        return Batch(u, scored, roll.members)

    def _update(self, batch: Batch, mean, std, last, timings):
        t = self.clock()
        if self.cfg.method == "mppi":
            w = mppi_weights(batch.total, batch.fail, self.cfg.temperature)  # (N,)
            mean = self.space.project(torch.einsum("n,nha->ha", w, batch.u), last)
        elif self.cfg.method == "random":  # the cheapest acceptable sample
            mean = batch.u[int(torch.argmin(torch.where(acceptable(batch.total, batch.fail), batch.total,
                                                        torch.full_like(batch.total, torch.inf))))]
        else:
            mean, std = cem_stats(batch.u, batch.total, batch.fail, self.cfg.elites)
            std = torch.maximum(std, self.cfg.cem_min_std * self.space.half)
        timings["update"] += (self.clock() - t) * 1e3
        return mean, std

    def _check(self, best: Batch, mean, ctx, tick, timings) -> tuple[Batch, int]:
        """Score the updated mean (and, for "elites", the top samples with the full ensemble);
        return the cheapest as (batch, row). Candidates re-scored together get the world model's
        own heads (`exact`); the mean alone is scored as the samples were, to compare with them."""
        t = self.clock()
        if self.check_mode == self.sample_mode and self.cfg.head_stride == 1:  # samples scored alike: add the mean
            cand = self._evaluate(mean[None], ctx, self.check_mode, tick, timings)
            out = (cand, 0) if cand.total[0] <= best.total.min() else (best, int(torch.argmin(best.total)))
        elif self.check_mode == self.sample_mode:  # the mean and the best sample, heads on every step
            cand = self._evaluate(torch.cat([mean[None], best.u[torch.argmin(best.total)][None]]), ctx,
                                  self.check_mode, tick, timings, exact=True)
            out = (cand, int(torch.argmin(cand.total)))
        else:
            e = min(self.cfg.elites, best.total.numel())
            top = (
                torch.topk(best.total, k=e, largest=False).indices
                if e > 0
                else torch.zeros(0, dtype=torch.long)
            )
            cand = self._evaluate(torch.cat([mean[None], best.u[top]]), ctx, self.check_mode, tick, timings,
                                  exact=True)
            out = (cand, int(torch.argmin(cand.total)))
        timings["check"] += (self.clock() - t) * 1e3
        return out


def _compiled(model: PlanningModel) -> PlanningModel:
    """The model with `step` and `features` wrapped in torch.compile (behind PlannerConfig.compile)."""

    class Compiled:
        def __getattr__(self, name):
            return getattr(model, name)

    out = Compiled()
    out.step = torch.compile(model.step, dynamic=False)
    out.features = torch.compile(model.features, dynamic=False)
    for name in ("latent_dim", "action_dim", "members", "dt"):
        setattr(out, name, getattr(model, name))
    return out
