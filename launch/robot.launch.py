"""The agent on a real robot (no sim_node): `ros2 launch lecun_agent robot.launch.py profile:=robot_example`.

The robot's driver must already publish the topic contract (docs/real_robot.md).
"""

from lecun_agent.stack.launch_description import generate


def generate_launch_description():
    return generate("robot")
