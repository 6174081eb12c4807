"""Episode metrics from a ground-truth trajectory: how far, how straight, how steady.

Shared by the tests, the benchmark and the evaluation commands so they all report the
same numbers the same way.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from lecun_agent.body.readings import quat_to_rpy, tilt_of


@dataclass
class EpisodeMetrics:
    """Summary of one run, in SI units (angles in degrees for readability)."""

    distance_m: float  # progress along the start heading (signed)
    lateral_error_m: float  # perpendicular distance from the start heading line at the end
    heading_error_deg: float  # final yaw minus start yaw, wrapped to [-180, 180)
    yaw_turned_deg: float  # unwrapped total yaw change (a full turn in place reads ~360)
    max_tilt_deg: float
    falls: int  # number of times the robot went from upright to fallen
    sim_seconds: float
    drift_m: float  # horizontal distance between the start and the end position
    path_length_m: float  # horizontal distance travelled along the path

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def episode_metrics(
    times: np.ndarray, positions: np.ndarray, quats: np.ndarray, fallen: np.ndarray | None = None
) -> EpisodeMetrics:
    """times (T,), positions (T, 3) world, quats (T, 4) xyzw world, fallen (T,) bool -> metrics."""
    times, positions, quats = np.asarray(times), np.asarray(positions), np.asarray(quats)
    yaws = np.array([quat_to_rpy(q)[2] for q in quats])  # (T,)
    yaw0 = yaws[0]
    heading = np.array([np.cos(yaw0), np.sin(yaw0)])
    normal = np.array([-heading[1], heading[0]])
    delta = positions[-1, :2] - positions[0, :2]  # (2,)
    steps = np.diff(positions[:, :2], axis=0)  # (T-1, 2)
    falls = 0
    if fallen is not None and len(fallen):
        f = np.asarray(fallen, dtype=bool)
        falls = int(f[0]) + int(np.sum(~f[:-1] & f[1:]))
    return EpisodeMetrics(
        distance_m=float(delta @ heading),
        lateral_error_m=float(abs(delta @ normal)),
        heading_error_deg=float(np.degrees((yaws[-1] - yaw0 + np.pi) % (2 * np.pi) - np.pi)),
        yaw_turned_deg=float(np.degrees(np.unwrap(yaws)[-1] - yaw0)),
        max_tilt_deg=float(np.degrees(max(tilt_of(q) for q in quats))),
        falls=falls,
        sim_seconds=float(times[-1] - times[0]),
        drift_m=float(np.linalg.norm(delta)),
        path_length_m=float(np.linalg.norm(steps, axis=1).sum()),
    )


def fallen_flags(positions: np.ndarray, quats: np.ndarray, config) -> np.ndarray:
    """(T,) bool, the simulator's fall rule (too tilted or too low) over a trajectory.

    positions (T, 3), quats (T, 4) xyzw; `config` is the SimConfig that sets the thresholds.
    """
    tilts = np.array([tilt_of(q) for q in quats])  # (T,)
    return (tilts > config.fall_tilt_rad) | (np.asarray(positions)[:, 2] < config.fall_height_m)
