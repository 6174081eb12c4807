"""`lecun-agent bench` stack part: one short real-time episode, observed (behaviour, not speed)."""

import math

import pytest

from lecun_agent.bench import stack

pytestmark = pytest.mark.ros

REQUIRED = ("e2e_ms_p50", "e2e_ms_p99", "node_rates", "cpu_percent", "rss_mb", "rss_mb_peak", "deadline_misses",
            "ticks", "ticks_commanded", "frames_without_command", "rss_over_time", "sim_rtf", "stages")


def test_short_realtime_run(tmp_path):
    section = stack.measure(tmp_path / "run", agent="straight", sim_s=6.0)
    plots = stack.plot(section, tmp_path)
    assert all(key in section for key in REQUIRED), sorted(section)
    assert section["ticks_commanded"] >= 1, section  # a cmd_vel stamp matched to a camera frame's
    for key in ("e2e_ms_p50", "e2e_ms_p99"):
        assert math.isfinite(section[key]) and section[key] > 0, section[key]
    assert section["e2e_ms_p99"] >= section["e2e_ms_p50"]
    assert {"sim_node", "gait_node", "cost_node", "straight_node"} <= set(section["rss_mb"])
    assert all(mb > 0 for mb in section["rss_mb"].values()), section["rss_mb"]
    assert section["node_rates"]["sim_node"]["camera/image_raw"]["hz"] > 0
    assert section["node_rates"]["straight_node"]["agent/cmd_vel_proposed"]["target_hz"] > 0
    series = section["rss_over_time"]
    assert series["t_s"] and all(len(v) == len(series["t_s"]) for v in series["rss_mb"].values())
    assert {"stack_latency.png", "stack_resources.png"} <= set(plots)
    assert all((tmp_path / name).stat().st_size > 0 for name in plots)
