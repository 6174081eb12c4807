"""sim: the ROS-free pybullet body (QuadrupedSim), its arena, sensors, cameras and the in-process env."""

from lecun_agent.sim.config import ArenaConfig, SimConfig
from lecun_agent.sim.sim import GroundTruth, QuadrupedSim

__all__ = ["ArenaConfig", "GroundTruth", "QuadrupedSim", "SimConfig"]
