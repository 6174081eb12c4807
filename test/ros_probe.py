"""A test-side ROS node: records topics, publishes commands, and calls parameter services.

Node tests start the real nodes as processes (as `ros2 launch` would) and talk to them
only through ROS, the way `ros2 topic` and `ros2 param set` do.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable

import rclpy
from rcl_interfaces.msg import Parameter as ParameterMsg
from rcl_interfaces.srv import GetParameters, SetParameters
from rclpy.node import Node
from rclpy.parameter import Parameter

from lecun_agent.messages.conversions import stamp_to_sec


class RosProbe(Node):
    def __init__(self, name: str = "test_probe", use_sim_time: bool = True) -> None:
        super().__init__(name, parameter_overrides=[Parameter("use_sim_time", value=use_sim_time)])
        self.received: dict[str, list] = defaultdict(list)

    def record(self, msg_type, topic: str, qos) -> None:
        self.create_subscription(msg_type, topic, lambda m: self.received[topic].append(m), qos)

    def spin_until(self, condition: Callable[[], bool], timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            rclpy.spin_once(self, timeout_sec=0.02)
            if condition():
                return True
        return False

    def spin_for(self, seconds: float) -> None:
        self.spin_until(lambda: False, seconds)

    def stamps(self, topic: str) -> list[float]:
        return [stamp_to_sec(m.header.stamp) for m in self.received[topic]]

    def set_parameters(self, node_name: str, values: dict, timeout_s: float = 10.0):
        """Call <node>/set_parameters as `ros2 param set` does; returns the SetParametersResult list."""
        client = self.create_client(SetParameters, f"{node_name}/set_parameters")
        assert client.wait_for_service(timeout_sec=timeout_s), f"{node_name}/set_parameters not available"
        request = SetParameters.Request(
            parameters=[Parameter(k, value=v).to_parameter_msg() for k, v in values.items()]
        )
        future = client.call_async(request)
        assert self.spin_until(future.done, timeout_s), "set_parameters timed out"
        self.destroy_client(client)
        return future.result().results

    def get_parameters(self, node_name: str, names: list[str], timeout_s: float = 10.0) -> list:
        client = self.create_client(GetParameters, f"{node_name}/get_parameters")
        assert client.wait_for_service(timeout_sec=timeout_s)
        future = client.call_async(GetParameters.Request(names=names))
        assert self.spin_until(future.done, timeout_s)
        self.destroy_client(client)
        return [Parameter.from_parameter_msg(ParameterMsg(name=n, value=v)).value
                for n, v in zip(names, future.result().values, strict=True)]
