"""Simulated quadruped + agent: `ros2 launch lecun_agent sim.launch.py [program:=walk] [gui:=true]`."""

from lecun_agent.stack.launch_description import generate


def generate_launch_description():
    return generate("sim")
