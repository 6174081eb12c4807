"""`lecun-agent select` core: pick among trained checkpoints by the agent's own goal episodes.

The same training recipe run with another seed gives an agent that reaches as many goals but
touches blocks about twice as often, and the world model's held-out figures (`eval-model`) do not
tell such checkpoints apart (docs/actor_experiments.md, "Open"). What does is the full agent's goal episodes
on validation seeds, apart from the eval's 0-19 and the distillations' seeds: the same in-process
episode as `benchmarks/actor_in_process.py --agent full` (the actor as actor_node builds it with
its defaults, planning with cost_node's default weights).

Ranking: fewest falls; then, of the candidates within `goal_slack` goals of the most goals among
those, fewest touches (collisions); then most goals. Every episode's row is kept in the result.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass

SELECT_SEED_START = 4000  # apart from eval's 0-19, mode 1's 1000- and the search heads' 2000-


@dataclass
class CandidateScore:
    """One checkpoint's validation episodes, summed."""

    checkpoint: str
    episodes: int
    goals: int
    falls: int
    touches: int
    episodes_over_5_touches: int  # the long slides along a block's face that dominate the touch count
    rows: list[dict]  # per seed: seed, success, falls, collisions, ended_by, sim_seconds

    def line(self) -> str:
        return (f"{self.goals:3d}/{self.episodes} goals  {self.falls:2d} falls  {self.touches:4d} touches  "
                f"{self.episodes_over_5_touches:3d} episodes > 5 touches  {self.checkpoint or '(shipped)'}")


_SIM: list = []  # one worker process's goal episode (its sim), kept between its episodes
_AGENTS: dict = {}  # the process's agent per checkpoint


def _episode(job: tuple[str, int]) -> tuple[str, dict]:
    """The full agent of a checkpoint on one seed's goal episode -> (checkpoint, its row)."""
    import torch

    from lecun_agent.actor.actor import load_actor
    from lecun_agent.episodes.actor_agent import actor_agent
    from lecun_agent.episodes.in_process import GoalEpisode, run_goal_episode

    checkpoint, seed = job
    if not _SIM:
        torch.set_num_threads(1)  # as actor_node; workers are the parallelism
        _SIM.append(GoalEpisode())
    if checkpoint not in _AGENTS:
        _AGENTS[checkpoint] = actor_agent(load_actor(checkpoint))
    m = run_goal_episode(_AGENTS[checkpoint], seed, _SIM[0]).metrics
    return checkpoint, {"seed": seed, "success": bool(m["success"]), "falls": int(m["falls"]),
                        "collisions": int(m["collisions"]), "ended_by": m["ended_by"],
                        "sim_seconds": float(m["sim_seconds"])}


def score(checkpoint: str, rows: list[dict]) -> CandidateScore:
    rows = sorted(rows, key=lambda r: r["seed"])
    return CandidateScore(checkpoint, len(rows), sum(r["success"] for r in rows), sum(r["falls"] for r in rows),
                          sum(r["collisions"] for r in rows), sum(r["collisions"] > 5 for r in rows), rows)


def rank(scores: list[CandidateScore], goal_slack: int) -> list[CandidateScore]:
    """Best first: fewest falls; then, within `goal_slack` goals of the best of those, fewest touches;
    then most goals. Candidates outside the slack follow, by the same key."""
    if not scores:
        return []
    fewest_falls = min(s.falls for s in scores)
    most_goals = max(s.goals for s in scores if s.falls == fewest_falls)

    def key(s: CandidateScore) -> tuple:
        eligible = s.falls == fewest_falls and s.goals >= most_goals - goal_slack
        return (not eligible, s.falls, s.touches, -s.goals)

    return sorted(scores, key=key)


def select_checkpoint(checkpoints: list[str], seeds: list[int], workers: int = 1, goal_slack: int = 2,
                      on_row: Callable[[str, dict], None] = lambda checkpoint, row: None,
                      ) -> tuple[list[CandidateScore], float]:
    """Every checkpoint's full agent on every seed (one episode per job, over `workers` processes) ->
    (ranked scores, wall seconds). `on_row(checkpoint, row)` sees each episode as it finishes, so an
    interrupted run keeps what it measured. A checkpoint that does not load, one without its search
    heads or mode 1, or one named twice, fails here, before any episode runs."""
    if not checkpoints or not seeds:
        raise ValueError("select needs at least one checkpoint and one seed")
    if workers < 1 or goal_slack < 0:
        raise ValueError("--workers must be >= 1 and --goal-slack >= 0")
    if len({os.path.realpath(c) for c in checkpoints}) != len(checkpoints):
        raise ValueError("a checkpoint is named twice")
    from lecun_agent.actor.actor import ActorSettings, absent_beside, load_actor
    from lecun_agent.episodes.actor_agent import actor_agent

    # A wrong path, a mismatched or missing search model or policy file: say so before an hour of episodes. Run
    # here, the episodes use these actors; worker processes load their own.
    agents, defaults = {}, ActorSettings()
    for c in checkpoints:
        agents[c] = actor_agent(load_actor(c))
        lacking = absent_beside(defaults, c)
        if lacking:  # the actor runs without them, and would be ranked as a different agent
            raise ValueError(f"{c}: no {' or '.join(lacking)}; select compares full agents, so give it its search "
                             "heads, search dynamics and mode 1 first (lecun-agent distill-heads, distill-dynamics, "
                             "then distill)")
    if workers == 1:
        _AGENTS.update(agents)
    del agents
    jobs = [(c, seed) for seed in seeds for c in checkpoints]  # seed-major: every candidate's first rows early
    by_checkpoint: dict[str, list[dict]] = {c: [] for c in checkpoints}
    start = time.perf_counter()
    pool = ProcessPoolExecutor(workers) if workers > 1 else None
    try:
        done = as_completed([pool.submit(_episode, job) for job in jobs]) if pool else None
        for checkpoint, row in (f.result() for f in done) if done is not None else map(_episode, jobs):
            by_checkpoint[checkpoint].append(row)
            on_row(checkpoint, row)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        else:  # run here: free the sim and the actors
            for episode in _SIM:
                episode.close()
            _SIM.clear()
            _AGENTS.clear()
    scores = [score(c, rows) for c, rows in by_checkpoint.items()]
    return rank(scores, goal_slack), time.perf_counter() - start


def as_json(scores: list[CandidateScore], seeds: list[int], goal_slack: int, wall_s: float) -> dict:
    return {"selected": scores[0].checkpoint, "seeds": seeds, "goal_slack": goal_slack,
            "wall_s": round(wall_s, 1), "ranked": [asdict(s) for s in scores]}
