"""One fault in one goal episode: the hooks `stack/episode.py run_episode` calls.

`nodes()` rewrites the stack before it starts: a stream fault adds its relay node (`relay.py`) and
the relay's consumers read `faults/<topic>`; every lock-step wait gets the harness's shorter
timeout, so a fault that starves a wait costs seconds, not minutes. `attach()` adds the observer and
the injector's publishers to the episode's executor; `step()` runs on every turn of the episode's
watch loop: it kills, abuses parameters or publishes an injected goal when sim time reaches the
fault's start (an injected plan comes from `plan_injector.py`, a node of the stack that reads sim
time from odometry), notices when the fault has cleared (a window's end, a respawned node's ready
line) and ends the episode a while after.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import os
import signal
import time

from geometry_msgs.msg import PoseStamped
from rclpy.node import Node
from rclpy.parameter import Parameter

from lecun_agent.nodes.qos import COMMAND_QOS
from lecun_agent.nodes.spin import READY
from lecun_agent.stack.description import NodeLaunch
from lecun_agent.tools.param_client import ParamClient

from . import plan_injector, relay
from .catalog import SOURCE_TOPICS, START_S, STREAM_KINDS, Fault
from .observer import CONTACT_SOURCES, FaultObserver
from .params_client import abuse_node
from .relay import RELAY_PREFIX

log = logging.getLogger(__name__)
# Lock-step waits for the harness (wall s): each node's default is 5-15 s, which only a failure
# ever uses up; a fault that starves a wait on purpose would make an episode crawl (a dead
# perception_node costs the gait's wait at every agent tick). The order is kept: the node nearest
# the missing input gives up first.
SYNC_TIMEOUTS_S = {"perception_node": 1.0, "straight_node": 1.0, "actor_node": 1.0, "cost_node": 1.0,
                   "gait_node": 2.0, "sim_node": 3.0}
OBSERVE_S = 2.0  # sim seconds watched after the fault cleared
WALL_BUDGET_S = 240.0  # wall seconds after the fault's start before the episode is cut short


class FaultInjector:
    def __init__(self, fault: Fault, goal_xy, short_waits: bool = True) -> None:
        self.fault, self.goal_xy, self.short_waits = fault, goal_xy, short_waits
        self.start_s, self.end_s = START_S, START_S + fault.duration_s
        self.cleared: float | None = None  # sim time the fault was over
        self.injected_at: float | None = None  # sim time it was injected (kills, parameters)
        self.kill_wall: float | None = None
        self.abuse: dict = {}
        self.goal_phase = "before"  # a goal_pose injection: "before", "nan" sent, "restored" (the real goal again)
        self.start_wall: float | None = None
        self.ended_wall: float | None = None
        self._ready_checked = 0.0

    # ---- before the stack starts ----------------------------------------------------------
    def nodes(self, nodes: list[NodeLaunch]) -> list[NodeLaunch]:
        out = []
        for node in nodes:
            params = dict(node.parameters)
            if node.name in SYNC_TIMEOUTS_S and self.short_waits:
                params["sync_timeout_s"] = SYNC_TIMEOUTS_S[node.name]
            remaps = node.remappings
            if self.fault.kind in STREAM_KINDS and node.name in self.fault.consumers:
                remaps = (*remaps, (self.fault.topic, RELAY_PREFIX + self.fault.topic))
            out.append(dataclasses.replace(node, parameters=params, remappings=remaps))
        if self.fault.kind in STREAM_KINDS:  # started with the agent, before the body
            out.insert(0, NodeLaunch("fault_relay", (), {
                "use_sim_time": True, "topic": self.fault.topic, "kind": self.fault.kind,
                "start_s": float(self.start_s), "end_s": float(self.end_s)}, module_name=relay.__name__))
        if self.fault.kind == "inject" and self.fault.topic in plan_injector.PLAN_TOPICS:
            out.insert(0, NodeLaunch("fault_plan_injector", (), {
                "use_sim_time": True, "topic": self.fault.topic, "start_s": float(self.start_s),
                "end_s": float(self.end_s)}, module_name=plan_injector.__name__))
        return out

    def attach(self, executor) -> None:
        self.executor = executor
        self.node = Node("fault_injector", parameter_overrides=[Parameter("use_sim_time", value=True)])
        executor.add_node(self.node)
        self.observer = FaultObserver(self.node)
        relayed = self.fault.kind in STREAM_KINDS and "cost_node" in self.fault.consumers
        for source, topic in {**SOURCE_TOPICS, **CONTACT_SOURCES}.items():
            via = RELAY_PREFIX + topic if relayed and topic == self.fault.topic else topic
            self.observer.watch(source, topic, via)
        if self.fault.kind in STREAM_KINDS:
            self.cleared = self.end_s
        if self.fault.kind == "inject":
            if self.fault.topic in plan_injector.PLAN_TOPICS:
                self.observer.watch_plans(self.fault.topic)
            else:
                self.inject_pub = self.node.create_publisher(PoseStamped, self.fault.topic, COMMAND_QOS)
            self.cleared = self.end_s

    # ---- during the episode ----------------------------------------------------------------
    def sim_now(self) -> float:
        clock = self.observer.obs.clock
        return clock[-1][1] if clock else 0.0

    def step(self, stack) -> bool:
        """One turn of the watch loop; True ends the episode."""
        now, f = self.sim_now(), self.fault
        if f.kind == "kill" and self.kill_wall is None and now >= self.start_s:
            self._kill(stack)
        elif f.kind == "kill" and self.kill_wall is not None and self.cleared is None:
            self._check_respawned(stack, now)
        elif f.kind == "params" and self.injected_at is None and now >= self.start_s:
            self.injected_at = now
            self._abuse(stack)
        elif f.kind == "inject":
            self._inject(now)
        if now >= self.start_s and self.start_wall is None:
            self.start_wall = time.monotonic()
        over = self.cleared is not None and now >= self.cleared + OBSERVE_S
        if over or (self.start_wall is not None and time.monotonic() - self.start_wall > WALL_BUDGET_S):
            self.ended_wall = time.time()  # what the stack sends while it shuts down is not judged
            return True
        return False

    def _abuse(self, stack) -> None:
        """Every node gets its abusive sets, through its parameter services, while the robot walks."""
        client_node = Node("fault_param_client")
        client = ParamClient(client_node, timeout_s=10.0)
        try:
            for proc in stack.processes:
                if proc.popen.poll() is None:
                    self.abuse[proc.node.name] = abuse_node(client, proc.node.name)
        finally:
            client.close()
            client_node.destroy_node()
        self.cleared = self.sim_now()
        log.info("abusive parameter sets: %s", {k: (v["refused"], v["sent"]) for k, v in self.abuse.items()})

    def _kill(self, stack) -> None:
        proc = next(p for p in reversed(stack.processes) if p.node.name == self.fault.node)
        self.kill_wall = time.time()
        os.kill(proc.popen.pid, signal.SIGKILL)
        self.injected_at = self.sim_now()
        log.info("SIGKILL %s (pid %d) at sim t=%.3f", self.fault.node, proc.popen.pid, self.injected_at)

    def _check_respawned(self, stack, now: float) -> None:
        if time.monotonic() - self._ready_checked < 0.5:
            return
        self._ready_checked = time.monotonic()
        proc = next(p for p in reversed(stack.processes) if p.node.name == self.fault.node)
        if proc.popen.poll() is None and proc.log_path.read_text(errors="replace").count(READY) >= 2:
            self.cleared = now
            log.info("%s is back (respawned) at sim t=%.3f", self.fault.node, now)

    def _inject(self, now: float) -> None:
        """A NaN goal at the window's start, the real goal again at its end (plans: plan_injector.py)."""
        if self.fault.topic != "goal_pose":
            return
        if now >= self.start_s and self.goal_phase == "before":
            self.inject_pub.publish(_goal(math.nan, math.nan))
            self.goal_phase = "nan"
        elif now >= self.end_s and self.goal_phase == "nan":
            self.inject_pub.publish(_goal(*self.goal_xy))  # the user sends the real goal again
            self.goal_phase = "restored"

    def fault_start(self) -> float:
        """Sim time the fault began: a window's start, or when the kill or the abuse went out."""
        if self.fault.kind == "kill" and self.kill_wall is not None:
            return self.observer.obs.sim_at(self.kill_wall)
        return self.injected_at if self.injected_at is not None else self.start_s


def _goal(x: float, y: float) -> PoseStamped:
    msg = PoseStamped()
    msg.header.frame_id = "odom"
    msg.pose.position.x, msg.pose.position.y = float(x), float(y)
    msg.pose.orientation.w = 1.0
    return msg
