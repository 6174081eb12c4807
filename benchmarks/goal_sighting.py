"""How far the goal-marker sightings are off, by range: what goal homing's range limit rests on.

    scripts/with_venv.sh python benchmarks/goal_sighting.py [--seeds 0 2 4 6 9 10 1 3] [--base-height 0.36]

The straight-line agent walks each seed's goal episode in-process; at every tick the frame is searched
for the goal marker (perception/goal_marker.py, with the IMU's roll and pitch, as perception_node does)
and each sighting is compared with the marker's true place under the base (the sim's ground truth,
which the agent never sees). Prints, per range bin: sightings, mean error along and across the view,
rms and largest error (m). Also the base's true mean height while sighted, which `base_height_m` stands
for.
"""

from __future__ import annotations

import argparse

import numpy as np

from lecun_agent.body.readings import quat_to_rpy
from lecun_agent.episodes.in_process import GoalEpisode, run_goal_episode, straight_line_agent
from lecun_agent.perception.goal_marker import CameraMount, MarkerSettings, sight_marker

BINS = ((0.5, 1.0), (1.0, 1.5), (1.5, 2.0), (2.0, 2.5), (2.5, 3.5), (3.5, 8.0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="*", default=[0, 2, 4, 6, 9, 10, 1, 3])
    parser.add_argument("--base-height", type=float, default=MarkerSettings().base_height_m)
    args = parser.parse_args()
    episode = GoalEpisode()
    mount, settings = CameraMount.from_model(episode.sim.model), MarkerSettings(base_height_m=args.base_height)
    walk, rows = straight_line_agent(), []

    def agent(obs):
        roll, pitch, _ = quat_to_rpy(obs.readings.imu_quat)
        seen = sight_marker(obs.camera, mount, settings, roll, pitch)
        if seen is not None:
            truth = episode.sim.ground_truth()
            yaw = quat_to_rpy(truth.quat)[2]
            rel = episode.arena.goal_xy - truth.pos[:2]
            c, s = np.cos(yaw), np.sin(yaw)
            true_xy = np.array([c * rel[0] + s * rel[1], -s * rel[0] + c * rel[1]])
            rows.append((np.linalg.norm(true_xy), *(seen - true_xy), truth.pos[2]))
        return walk(obs)

    for seed in args.seeds:
        run = run_goal_episode(agent, seed, episode)
        print(f"seed {seed}: {run.metrics['ended_by']} after {run.metrics['sim_seconds']:.1f} s")
    episode.close()
    r = np.array(rows).reshape(-1, 4)
    print(f"base_height_m {args.base_height}; true base height while sighted {r[:, 3].mean():.3f} m "
          f"(sd {r[:, 3].std():.3f}); {len(r)} sightings")
    print(f"{'range m':>9} {'n':>5} {'along':>7} {'across':>7} {'rms':>6} {'max':>6}")
    for lo, hi in BINS:
        sel = (r[:, 0] >= lo) & (r[:, 0] < hi)
        if sel.any():
            e = r[sel, 1:3]
            norm = np.linalg.norm(e, axis=1)
            print(f"{lo:4.1f}-{hi:<4.1f} {sel.sum():5d} {e[:, 0].mean():+7.3f} {e[:, 1].mean():+7.3f} "
                  f"{np.sqrt((norm**2).mean()):6.3f} {norm.max():6.3f}")


if __name__ == "__main__":
    main()
