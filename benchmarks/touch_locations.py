"""Where the actor touches blocks: per collision event, the body link and whether the touch was in the camera's view.

Run: scripts/with_venv.sh python benchmarks/touch_locations.py [--agent full] [--seed-start 0] [--episodes 20]
     [--checkpoint DIR]
The same in-process goal episodes as benchmarks/actor_in_process.py (same seeds, arena and actor). Each
collision event is found as the eval counts it (`episodes/goal.py` `collision_starts`: a rise of the
non-foot contact force above `contact_threshold_n`, merged within `collision_merge_s`). At that step the
simulator's contact points (ground truth, read here only to locate the touch) give the link with the
largest force and the touch's bearing from the base's heading; the touch is "in view" when that bearing is
within half the onboard camera's horizontal field of view (the image is square: the vertical one).
Prints one line per event and the totals.
"""

from __future__ import annotations

import argparse
import collections
import math

import numpy as np
import pybullet
import torch

from lecun_agent.episodes.actor_agent import actor_agent
from lecun_agent.episodes.goal import collision_starts
from lecun_agent.episodes.in_process import GoalEpisode, run_goal_episode
from lecun_agent.heap import keep_freed_memory
from lecun_agent.sim.sim import QuadrupedSim
from lecun_agent.stack.description import MODEL_AGENTS
from lecun_agent.stack.eval_actor import eval_actor

Touch = tuple[str, np.ndarray, float]  # link name, world point (3,), normal force N


def body_touches(sim: QuadrupedSim) -> list[Touch]:
    """The non-foot contact points of the robot with anything else, now."""
    robot = sim.robot
    return [(robot.link_names.get(c[3], str(c[3])), np.array(c[6]), c[9])
            for c in pybullet.getContactPoints(bodyA=robot.body, physicsClientId=sim.client)
            if c[3] not in robot.foot_ids and c[2] != robot.body]


def record_steps(sim: QuadrupedSim, steps: list) -> None:
    """After every control step of this sim, append (t, base position, base yaw, body touches)."""
    step = sim.step

    def recording_step():
        readings = step()
        gt = sim.ground_truth()
        yaw = pybullet.getEulerFromQuaternion(gt.quat)[2]
        steps.append((sim.time, gt.pos.copy(), yaw, body_touches(sim)))
        return readings

    sim.step = recording_step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agent", choices=MODEL_AGENTS, default=MODEL_AGENTS[0])
    parser.add_argument("--seed-start", type=int, default=0)
    parser.add_argument("--episodes", type=int, default=20)
    parser.add_argument("--checkpoint", default="")
    args = parser.parse_args()
    torch.set_num_threads(1)
    keep_freed_memory()
    actor = eval_actor(args.agent, args.checkpoint)
    agent, episode, steps = actor_agent(actor), GoalEpisode(), []
    record_steps(episode.sim, steps)
    half_view_deg = episode.sim.config.camera_fov_deg / 2
    totals: collections.Counter = collections.Counter()
    for seed in range(args.seed_start, args.seed_start + args.episodes):
        steps.clear()
        run = run_goal_episode(agent, seed, episode)
        force = [sum(touch[2] for touch in touches) for _, _, _, touches in steps]  # the pain term's input
        events = [steps[i] for i in collision_starts([step[0] for step in steps], force, episode.rules)]
        assert len(events) == run.metrics["collisions"], "counted differently from the eval"
        for t, pos, yaw, touches in events:
            link, point, _ = max(touches, key=lambda touch: touch[2])
            bearing = math.degrees(math.atan2(point[1] - pos[1], point[0] - pos[0]) - yaw)
            bearing = (bearing + 180.0) % 360.0 - 180.0
            seen = abs(bearing) <= half_view_deg
            totals["in view" if seen else "out of view"] += 1
            totals[link] += 1
            print(f"seed {seed:4d} t {t:5.2f} s  link {link:>9}  bearing {bearing:6.1f} deg  "
                  f"{'in view' if seen else 'out of view'}", flush=True)
        print(f"seed {seed:4d}: {run.metrics['ended_by']}, {len(events)} collisions", flush=True)
    episode.close()
    events = totals["in view"] + totals["out of view"]
    print(f"collisions {events}: in view {totals['in view']}, out of view {totals['out of view']} "
          f"(camera half view {half_view_deg:.0f} deg)")
    print("by link: " + ", ".join(f"{k} {v}" for k, v in totals.most_common() if k not in ("in view", "out of view")))


if __name__ == "__main__":
    main()
