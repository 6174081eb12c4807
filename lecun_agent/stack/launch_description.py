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

from .description import StackOptions, stack_nodes

# name -> (default, description); the same names as StackOptions fields.
ARGUMENTS = {
    "namespace": ("", "namespace for every node (e.g. robot1)"),
    "profile": ("", "config/profiles/<profile>.yaml overlaid on the per-node defaults"),
    "sim_mode": ("synchronous", "synchronous (lock-step, reproducible) or realtime"),
    "gui": ("false", "open the PyBullet window"),
    "gait": ("true", "run gait_node; false for robots whose own controller takes /cmd_vel"),
    "program": ("", "scripted velocity program instead of the agent: walk, turn, stand, square"),
    "seed": ("0", "arena and noise seed"),
    "record": ("false", "record every topic of the contract to a rosbag2-compatible MCAP (recorder_node)"),
    "bag": ("", "MCAP file for record:=true; empty = recordings/<date-time>.mcap"),
    "record_dir": ("", "sim only: directory for the chase video and ground-truth log"),
    "checkpoint": ("", "world-model checkpoint path; empty = the shipped default"),
}


def _truthy(text: str) -> bool:
    return text.strip().lower() in ("1", "true", "yes", "on")


def _nodes(context, target: str):
    value = {name: LaunchConfiguration(name).perform(context) for name in ARGUMENTS}
    options = StackOptions(
        target=target, namespace=value["namespace"], profile=value["profile"], sim_mode=value["sim_mode"],
        gui=_truthy(value["gui"]), gait=_truthy(value["gait"]), program=value["program"],
        seed=int(value["seed"]), record_dir=value["record_dir"], checkpoint=value["checkpoint"],
        record=_truthy(value["record"]), bag=value["bag"],
    )
    actions = []
    for node in stack_nodes(options):
        parameters = [str(path) for path in node.param_files] + [{k: v for k, v in node.parameters.items()
                                                                  if v != ""}]
        action = Node(package="lecun_agent", executable=node.name, name=node.name,
                      namespace=options.namespace, parameters=parameters, remappings=list(node.remappings),
                      output="screen", emulate_tty=True)
        actions.append(action)
        # A crashed node is reported, and the body's driver crashing ends the bring-up.
        actions.append(RegisterEventHandler(OnProcessExit(target_action=action, on_exit=_on_exit(node.name))))
    return actions


def _on_exit(name: str):
    def report(event, context):
        if event.returncode not in (0, -2, 130):  # 0, SIGINT: normal stops
            return [LogInfo(msg=f"[lecun_agent] {name} exited with code {event.returncode}"),
                    *([EmitEvent(event=Shutdown(reason=f"{name} crashed"))] if name == "sim_node" else [])]
        return []

    return report


def generate(target: str) -> LaunchDescription:
    arguments = [DeclareLaunchArgument(name, default_value=default, description=text)
                 for name, (default, text) in ARGUMENTS.items()]
    return LaunchDescription([*arguments, OpaqueFunction(function=_nodes, args=[target])])
