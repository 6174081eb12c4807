"""Builds a real ROS 2 LaunchDescription (launch + launch_ros) from the one stack description.

Used by launch/sim.launch.py and launch/robot.launch.py; needs a ROS 2 install (Jazzy or
newer). Machines without one use `lecun-agent up`, which starts the same nodes.
"""

from __future__ import annotations

from launch import LaunchDescription
from launch.actions import (
    DeclareLaunchArgument,
    EmitEvent,
    LogInfo,
    OpaqueFunction,
    RegisterEventHandler,
    TimerAction,
)
from launch.event_handlers import OnProcessExit
from launch.events import Shutdown
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node

from .description import NODE_ENV, RESPAWN_DELAY_S, NodeLaunch, stack_nodes
from .exit_codes import CLEAN_EXITS, REFUSED_START, stops_the_stack
from .options import from_launch, launch_arguments


def _nodes(context, target: str):
    values = {name: LaunchConfiguration(name).perform(context) for name, _, _ in launch_arguments(target)}
    options = from_launch(values, target=target)
    return [action for node in stack_nodes(options) for action in _node(node, options.namespace)]


def _node(node: NodeLaunch, namespace: str) -> list:
    """The node's process and its exit handler. Not launch's own `respawn`, which restarts a process after any
    exit: a node that finished (recorder_node after duration_s) would start over for ever."""
    parameters = [str(path) for path in node.param_files] + [{k: v for k, v in node.parameters.items() if v != ""}]
    action = Node(package="lecun_agent", executable=node.name, name=node.name, namespace=namespace,
                  parameters=parameters, remappings=list(node.remappings), output="screen", emulate_tty=True,
                  additional_env=dict(NODE_ENV))
    return [action, RegisterEventHandler(OnProcessExit(target_action=action, on_exit=_on_exit(node, namespace)))]


def _on_exit(node: NodeLaunch, namespace: str):
    """A crash is reported; a node that keeps the robot safe takes the stack down with it, any other is started
    again after RESPAWN_DELAY_S (CRASH_POLICY). A clean exit (CLEAN_EXITS) is a node that finished; one that
    refused its parameters (REFUSED_START) would refuse again, so it stops the stack too."""

    def report(event, context):
        if event.returncode in CLEAN_EXITS or context.is_shutdown:
            return []
        stops = stops_the_stack(node.on_crash, event.returncode)
        what = "stopping the stack" if stops else "respawning it"
        actions = [LogInfo(msg=f"[lecun_agent] {node.name} exited with code {event.returncode}; {what}")]
        if stops:
            why = "refused its parameters" if event.returncode == REFUSED_START else "crashed"
            actions.append(EmitEvent(event=Shutdown(reason=f"{node.name} {why}")))
        else:  # a timer launch cancels on shutdown
            actions.append(TimerAction(period=RESPAWN_DELAY_S, actions=_node(node, namespace)))
        return actions

    return report


def generate(target: str) -> LaunchDescription:
    arguments = [DeclareLaunchArgument(name, default_value=default, description=text)
                 for name, default, text in launch_arguments(target)]
    return LaunchDescription([*arguments, OpaqueFunction(function=_nodes, args=[target])])
