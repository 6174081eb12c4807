"""Plot the cost-in-sim experiments: pain and speed walking into a wall (with and without the
guardrail), and mean joint power against trotting speed.

Run: scripts/with_venv.sh python benchmarks/plot_cost_in_sim.py [--out docs/images/cost_in_sim.png]
"""

from __future__ import annotations

import argparse
import logging

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from lecun_agent.episodes.cost_in_sim import energy_at_speeds, walk_into_wall  # noqa: E402

log = logging.getLogger("plot_cost_in_sim")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="docs/images/cost_in_sim.png")
    parser.add_argument("--speed", type=float, default=0.5, help="proposed trot speed into the wall, m/s")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    bare = walk_into_wall(args.speed, guarded=False).arrays()
    trace = walk_into_wall(args.speed, guarded=True)
    guarded = trace.arrays()
    speeds = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6)
    power = energy_at_speeds(speeds)

    fig, axes = plt.subplots(1, 3, figsize=(16, 4.5))
    ax = axes[0]
    ax.plot(bare["time"], bare["pain"], color="tab:red", alpha=0.6, label="pain, no guardrail")
    ax.plot(guarded["time"], guarded["pain"], color="tab:blue", alpha=0.8, label="pain, guardrail")
    ax.plot(guarded["time"], guarded["pain_filtered"], color="navy", lw=2, label="guardrail's filtered pain")
    ax.plot(bare["time"], 10 * bare["fall"], "k--", lw=1, label="fall term x10, no guardrail")
    ax.set(xlabel="sim time (s)", ylabel="pain (1)", title=f"Trotting into a wall at {args.speed} m/s")
    ax.legend(fontsize=8)
    ax = axes[1]
    ax.plot(guarded["time"], guarded["proposed_vx"], "k:", label="proposed vx")
    ax.plot(guarded["time"], guarded["sent_vx"], color="tab:blue", label="vx after guardrail")
    ax2 = ax.twinx()
    ax2.plot(bare["time"], bare["x"], color="tab:red", alpha=0.5, label="x, no guardrail")
    ax2.plot(guarded["time"], guarded["x"], color="tab:green", alpha=0.7, label="x, guardrail")
    ax2.axhline(2.75, color="gray", lw=0.8)
    ax2.set_ylabel("base x (m); wall contact near 2.7 m")
    ax.set(xlabel="sim time (s)", ylabel="command vx (m/s)",
           title=f"Guardrail: {trace.counts.get('clamp:pain_rising', 0)} pain clamps")
    ax.legend(loc="lower left", fontsize=8)
    ax2.legend(loc="center left", fontsize=8)
    ax = axes[2]
    ax.plot(list(power), list(power.values()), "o-", color="tab:orange")
    ax.set(xlabel="trot speed (m/s)", ylabel="mean joint power = energy term (W)",
           title="Energy per second vs speed", ylim=(0, None))
    fig.tight_layout()
    fig.savefig(args.out, dpi=90)
    log.info("wrote %s", args.out)
    log.info("unguarded: max pain %.2f, fell %s; guarded: max pain %.2f, fell %s, counts %s",
             bare["pain"].max(), bool(bare["fall"].max() >= 0.5), guarded["pain"].max(),
             bool(guarded["fall"].max() >= 0.5), trace.counts)
    log.info("mean power by speed: %s", {s: round(w, 1) for s, w in power.items()})


if __name__ == "__main__":
    main()
