"""Builds a real ROS 2 LaunchDescription (launch + launch_ros) from the one stack description.

Used by launch/sim.launch.py and launch/robot.launch.py; needs a ROS 2 install (Jazzy or
newer). Machines without one use `lecun-agent up`, which starts the same nodes.
"""

from __future__ import annotations

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, EmitEvent, LogInfo, OpaqueFunction, RegisterEventHandler
from launch.event_handlers import OnProcessExit
from launch.events import Shutdown
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node

from .description import NODE_ENV, RESPAWN_DELAY_S, NodeLaunch, stack_nodes
from .options import from_launch, launch_arguments


def _nodes(context, target: str):
    values = {name: LaunchConfiguration(name).perform(context) for name, _, _ in launch_arguments()}
    options = from_launch(values, target=target)
    actions = []
    for node in stack_nodes(options):
        parameters = [str(path) for path in node.param_files] + [{k: v for k, v in node.parameters.items()
                                                                  if v != ""}]
        respawn = node.on_crash == "respawn"
        action = Node(package="lecun_agent", executable=node.name, name=node.name,
                      namespace=options.namespace, parameters=parameters, remappings=list(node.remappings),
                      output="screen", emulate_tty=True, respawn=respawn, respawn_delay=RESPAWN_DELAY_S,
                      additional_env=dict(NODE_ENV))
        actions.append(action)
        actions.append(RegisterEventHandler(OnProcessExit(target_action=action, on_exit=_on_exit(node))))
    return actions


def _on_exit(node: NodeLaunch):
    """A crash is reported; a node that keeps the robot safe takes the stack down with it (CRASH_POLICY)."""

    def report(event, context):
        if event.returncode in (0, -2, 130):  # 0, SIGINT: normal stops
            return []
        what = "respawning it" if node.on_crash == "respawn" else "stopping the stack"
        actions = [LogInfo(msg=f"[lecun_agent] {node.name} exited with code {event.returncode}; {what}")]
        if node.on_crash == "stop_stack":
            actions.append(EmitEvent(event=Shutdown(reason=f"{node.name} crashed")))
        return actions

    return report


def generate(target: str) -> LaunchDescription:
    arguments = [DeclareLaunchArgument(name, default_value=default, description=text)
                 for name, default, text in launch_arguments()]
    return LaunchDescription([*arguments, OpaqueFunction(function=_nodes, args=[target])])
