"""Trial (reverted after measuring): a goal-conditioned critic fitted on the planner's own goal episodes.

    python benchmarks/goal_critic_trial.py collect START COUNT OUT.pt    # planner goal episodes, per-term costs
    python benchmarks/goal_critic_trial.py fit CRITIC.pt DATA.pt ...      # Monte-Carlo returns per term
    python benchmarks/goal_critic_trial.py eval CRITIC.pt WEIGHT TERMS|all -- [actor_in_process args]

The critic maps (latent, goal seen from the pose: bearing cos/sin, distance / 5 m, 1) to the discounted
(0.95 per tick) future raw cost of each term until the goal is reached
the planner's horizon value is
sum_term weight^power * return_term with the live weights, replacing the world model's critic.
"""
import sys

import numpy as np
import torch
from torch import nn

from lecun_agent.world_model.layers import mlp

GAMMA = 0.95
DROP_TRUNCATED_TICKS = 60


def goal_features(pose_xy, yaw, goal):  # (..., 2), (...,), (2,) -> (..., 4)
    d = goal - pose_xy
    c, s = torch.cos(yaw), torch.sin(yaw)
    bx, by = c * d[..., 0] + s * d[..., 1], -s * d[..., 0] + c * d[..., 1]
    dist = torch.sqrt(bx * bx + by * by)
    inv = 1.0 / dist.clamp(min=1e-6)
    return torch.stack([bx * inv, by * inv, dist / 5.0, torch.ones_like(dist)], -1)


class GoalCritic(nn.Module):
    def __init__(self, latent_dim, names, hidden=128):
        super().__init__()
        self.names = list(names)
        self.net = mlp(latent_dim + 4, hidden, len(names))
        self.register_buffer("scale", torch.ones(len(names)))

    def forward(self, latent, feats):  # -> (..., T) per-term returns
        return self.net(torch.cat([latent, feats], -1)) * self.scale


def dataset(files):
    X, F, Y, E = [], [], [], []
    for _ei, f in enumerate(files):
        blob = torch.load(f, weights_only=False)
        names = blob["names"]
        for ep in blob["episodes"]:
            if ep["ended_by"] == "fall":
                continue
            tt, ts, raw = ep["t_tick"], ep["t_step"], ep["raw"]
            k = len(tt)
            # c[j] for j = 1..k: mean raw over steps in (t_{j-1}, t_j] (t_k = end)
            edges = list(tt) + [ts[-1] + 1e-9]
            c = []
            for j in range(1, k + 1):
                m = (ts > edges[j - 1] + 1e-9) & (ts <= edges[j] + 1e-9)
                c.append(raw[m].mean(0) if m.any() else np.zeros(raw.shape[1]))
            c = np.array(c)  # (k, T): c[j-1] is the cost of interval j
            g = np.zeros_like(c)
            acc = np.zeros(raw.shape[1])
            for j in range(k - 1, -1, -1):  # G_j = c_{j+1} + gamma G_{j+1}
                acc = c[j] + GAMMA * acc
                g[j] = acc
            keep = k if ep["ended_by"] == "success" else max(0, k - DROP_TRUNCATED_TICKS)
            pose = torch.tensor(ep["pose"][:keep], dtype=torch.float32)
            goal = torch.tensor(ep["goal"][0], dtype=torch.float32)
            X.append(ep["latent"][:keep])
            F.append(goal_features(pose[:, :2], pose[:, 2], goal))
            Y.append(torch.tensor(g[:keep], dtype=torch.float32))
            E += [ep["seed"]] * keep
    return names, torch.cat(X), torch.cat(F), torch.cat(Y), torch.tensor(E)


def train(names, X, F, Y, E, steps=4000, seed=0):
    torch.manual_seed(seed)
    seeds = E.unique()
    order = torch.randperm(len(seeds), generator=torch.Generator().manual_seed(seed))
    held_seeds = seeds[order[: max(1, len(seeds) // 10)]]
    held = torch.isin(E, held_seeds)
    critic = GoalCritic(X.shape[1], names)
    critic.scale.copy_(Y[~held].std(0).clamp(min=1e-6))
    opt = torch.optim.AdamW(critic.parameters(), lr=1e-3, weight_decay=1e-4)
    gen = torch.Generator().manual_seed(seed)
    tr = torch.nonzero(~held).squeeze(1)
    for _i in range(steps):
        idx = tr[torch.randint(0, len(tr), (256,), generator=gen)]
        loss = ((critic(X[idx], F[idx]) - Y[idx]) / critic.scale).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    critic.eval()
    with torch.no_grad():
        p = critic(X[held], F[held])
        y = Y[held]
        r2 = 1 - ((p - y) ** 2).mean(0) / y.var(0).clamp(min=1e-12)
        ptr = critic(X[~held], F[~held])
        ytr = Y[~held]
        r2tr = 1 - ((ptr - ytr) ** 2).mean(0) / ytr.var(0).clamp(min=1e-12)
    return critic, {n: (round(float(a), 3), round(float(b), 3)) for n, a, b in zip(names, r2tr, r2, strict=False)}


def attach(actor, critic, weight, terms=None):
    """Replace the planner's critic value by the goal critic's (live weights), at `weight`."""
    from lecun_agent.actor.plan_cost import integrate_poses
    pm, scorer = actor.planner.model, actor.planner.scorer
    orig_critic, orig_score, stash = pm.critic, scorer.score, {}

    def critic_fn(s):
        stash["s"] = s
        return orig_critic(s)

    def score(feats, value, pose, goal, spread=None, memory=None):
        if goal is not None:
            pos, yaw = integrate_poses(feats["base_velocity"], pose, scorer.dt)
            terms_on = critic.names if terms is None else terms
            w = torch.tensor([scorer.cost.term(n).weight ** scorer.cost.term(n).power if n in terms_on else 0.0
                              for n in critic.names])
            with torch.no_grad():
                value = critic(stash["s"].float(), goal_features(pos[:, -1], yaw[:, -1], goal)) @ w
        return orig_score(feats, value, pose, goal, spread, memory)

    pm.critic = critic_fn
    scorer.score = score
    scorer.critic_weight = weight


def fit_main(argv):
    names, X, F, Y, E = dataset(argv[1:])
    print(len(X), "samples", len(E.unique()), "episodes; target std", dict(zip(names, Y.std(0).tolist(), strict=False)))
    critic, r2 = train(names, X, F, Y, E)
    print("R2 train/held", r2)
    torch.save(critic, argv[0])


def collect_main(argv):
    import time

    from lecun_agent.actor.actor import load_actor
    from lecun_agent.cost.definition import cost_definition
    from lecun_agent.cost.total import TermSettings
    from lecun_agent.cost.veto import VetoLimits
    from lecun_agent.cost.weights import CostWeights
    from lecun_agent.episodes.actor_agent import actor_agent
    from lecun_agent.episodes.in_process import GoalEpisode, run_goal_episode
    from lecun_agent.heap import keep_freed_memory

    start, count, out = int(argv[0]), int(argv[1]), argv[2]
    torch.set_num_threads(1)
    keep_freed_memory()
    actor = load_actor("", {})
    actor.follow(cost_definition(CostWeights(), TermSettings(), VetoLimits()))
    ticks, steps = [], []
    agent = actor_agent(actor, lambda obs, latent, r: ticks.append((obs.t, latent.float().clone(), obs.odom[:3].copy(),
                                                                      obs.goal.copy())))
    episode = GoalEpisode()
    names, orig = episode.cost.term_names, episode.cost.evaluate

    def evaluate(features, check=True):
        data = orig(features, check)
        steps.append([float(data.raw[n]) ** episode.cost.term(n).power for n in names])
        return data

    episode.cost.evaluate = evaluate
    episodes, t0 = [], time.time()
    for seed in range(start, start + count):
        ticks.clear()
        steps.clear()
        run = run_goal_episode(agent, seed, episode)
        m = run.metrics
        episodes.append(dict(seed=seed, ended_by=m["ended_by"], t_tick=np.array([t for t, *_ in ticks]),
                             latent=torch.stack([x for _, x, *_ in ticks]), pose=np.stack([p for *_, p, g in ticks]),
                             goal=np.stack([g for *_, g in ticks]), t_step=run.log["t"], raw=np.array(steps)))
        print(seed, m["ended_by"], round(m["sim_seconds"], 1), m["collisions"], round(time.time() - t0), flush=True)
    torch.save(dict(names=names, episodes=episodes), out)


def eval_main(argv):
    import pathlib

    import __main__

    sys.path.insert(0, str(pathlib.Path(__file__).parent))
    import actor_in_process as aip

    __main__.GoalCritic = GoalCritic
    critic_file, weight, terms = argv[0], float(argv[1]), None if argv[2] == "all" else argv[2].split(",")
    sys.argv = [sys.argv[0]] + argv[4:]
    orig = aip.load_actor

    def load_actor(*a, **k):
        actor = orig(*a, **k)
        attach(actor, torch.load(critic_file, weights_only=False), weight, terms)
        return actor

    aip.load_actor = load_actor
    aip.main()


if __name__ == "__main__":
    {"collect": collect_main, "fit": fit_main, "eval": eval_main}[sys.argv[1]](sys.argv[2:])
