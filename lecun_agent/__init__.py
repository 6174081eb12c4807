"""lecun_agent: LeCun's autonomous-machine-intelligence architecture on a ROS 2 quadruped."""

__version__ = "0.1.0"
