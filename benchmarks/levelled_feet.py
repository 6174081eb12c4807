"""Levelled feet: a standing robot set down tipped, with the feet levelled or placed in the body frame.

    python benchmarks/levelled_feet.py [--gains 0 0.5 1] [--seconds 3] [--png docs/images/levelled_feet.png]

For each tip (roll, pitch in degrees: back onto the hind feet, forward, sideways, both) and each
GaitConfig.level_gain, seed 0's standing robot is set down at that tilt and stands at a zero command
(lecun_agent/bench/tipped.py). Prints whether it fell, how long it stood and its tilt at the end.
--png writes a side view of the first tip (pitched back 37 degrees) at 0, 0.2, 0.5, 1.2 and 2 s for
the shipped gain (top) and gain 0 (bottom). docs/body.md, "Levelled feet", has the numbers.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

from lecun_agent.bench.tipped import tipped_and_stood
from lecun_agent.gait.config import GaitConfig
from lecun_agent.sim.camera import render_side
from lecun_agent.sim.config import SimConfig

TIPS_DEG = [(0, -37), (0, -43), (0, -49), (0, 29), (0, 40), (23, 0), (34, 0), (23, -23), (29, -29)]
FRAMES_S = (0.0, 0.2, 0.5, 1.2, 2.0)


def strip(roll: float, pitch: float, gait: GaitConfig) -> np.ndarray:
    """(2 x H, 5 x W, 3): the side view at FRAMES_S of the robot set down at this roll and pitch."""
    frames: list[np.ndarray] = []
    wanted = {int(round(t / SimConfig().control_dt)): t for t in FRAMES_S}

    def grab(sim, step):
        if step in wanted:
            frame = render_side(sim.client, sim.robot.body, 320, 240)
            cv2.putText(frame, f"level_gain {gait.level_gain:g}, {wanted[step]:.1f} s", (6, 18),
                        cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 1)
            frames.append(frame)

    stood = tipped_and_stood(roll, pitch, gait, max(FRAMES_S) + SimConfig().control_dt, on_step=grab)
    while len(frames) < len(FRAMES_S):  # fell before the last frame: the fall, repeated
        frames.append(frames[-1].copy())
        cv2.putText(frames[-1], f"fell at {stood.seconds:.1f} s", (6, 36), cv2.FONT_HERSHEY_SIMPLEX, 0.5,
                    (200, 0, 0), 1)
    return np.concatenate(frames, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gains", type=float, nargs="+", default=[0.0, GaitConfig().level_gain, 1.0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--png", type=Path, default=None)
    args = parser.parse_args()
    print("| roll, pitch deg | " + " | ".join(f"level_gain {g:g}" for g in args.gains) + " |")
    print("|---|" + "---|" * len(args.gains))
    for roll_deg, pitch_deg in TIPS_DEG:
        cells = []
        for gain in args.gains:
            r = tipped_and_stood(np.radians(roll_deg), np.radians(pitch_deg), GaitConfig(level_gain=gain),
                                 args.seconds)
            cells.append(f"fell at {r.seconds:.1f} s" if r.fell else f"stood, {np.degrees(r.tilt_rad):.1f} deg")
        print(f"| {roll_deg}, {pitch_deg} | " + " | ".join(cells) + " |", flush=True)
    if args.png:
        roll, pitch = (np.radians(a) for a in TIPS_DEG[0])
        image = np.concatenate([strip(roll, pitch, GaitConfig()), strip(roll, pitch, GaitConfig(level_gain=0.0))])
        args.png.parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(args.png), cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
        print(f"wrote {args.png}")


if __name__ == "__main__":
    main()
