"""The faults the harness injects, one goal episode each, and what the stack must do about each.

Stream faults go through a relay (`relay.py`): the consumers named in a fault read `faults/<topic>`
instead of `<topic>`, and the relay forwards the real stream with the fault applied to every message
stamped inside the fault's window (sim time, so the window is exact). The faults on the guardrail's
own inputs (joint_states, imu/data, odom, agent/cmd_vel_proposed) go to cost_node alone: the body
loop (sim <-> gait) keeps its real streams, so the lock-step keeps going and the row measures the
guardrail. Bad values (NaN, Inf, wrong sizes) also go to every node that reads the topic, so no
input of any node is left out. Injected faults publish on a topic nobody in the stack publishes
(a plan) or that a user publishes (the goal). Kills SIGKILL a node and let the crash policy
(`stack/description.py`) act; the parameter fault sends abusive sets to every node (`abuse.py`).
"""

from __future__ import annotations

from dataclasses import dataclass

from geometry_msgs.msg import PoseArray, PoseStamped, TwistStamped
from nav_msgs.msg import Odometry, Path
from sensor_msgs.msg import Image, Imu, JointState
from trajectory_msgs.msg import JointTrajectory

from lecun_agent.faults import DEFAULT_AGENT
from lecun_agent.stack.description import AGENTS

START_S = 2.0  # sim time a fault starts: the robot is walking at speed by then
DURATION_S = 1.0  # sim seconds a stream fault lasts: past every guardrail timeout (0.25-0.5 s)
DELAY_S = 1.0  # a delayed stream arrives this late: past every timeout
FUTURE_S = 30.0  # a clock this far ahead (a driver on the wrong clock)
PAST_S = 1.0  # a clock this far behind
FLOOD = 10  # copies of each message: 10x the stream's rate

# topic -> (message type, "sensor" or "command" QoS, the stack nodes other than the agent that read it)
TOPICS = {
    "joint_states": (JointState, "sensor", ("gait_node", "cost_node", "perception_node")),
    "imu/data": (Imu, "sensor", ("gait_node", "cost_node", "perception_node", "configurator_node")),
    "odom": (Odometry, "sensor", ("gait_node", "cost_node", "perception_node", "configurator_node")),
    "foot_contacts": (JointState, "sensor", ("cost_node", "perception_node")),
    "body_contacts": (JointState, "sensor", ("cost_node",)),
    "camera/image_raw": (Image, "sensor", ("perception_node",)),
    "agent/latent": (Image, "sensor", ("world_model_node",)),
    "agent/cmd_vel_proposed": (TwistStamped, "command", ("cost_node",)),
    "cmd_vel": (TwistStamped, "command", ("gait_node", "world_model_node")),
    "joint_commands": (JointTrajectory, "command", ("sim_node",)),
    "goal_pose": (PoseStamped, "command", ("cost_node", "configurator_node")),
    "agent/plan": (Path, "command", ("cost_node",)),
    "agent/plan_costs": (JointState, "command", ("cost_node",)),
    "agent/goal_sighting": (PoseArray, "sensor", ("configurator_node",)),
}
# The agent nodes (stack/description.py AGENTS) and the topics of TOPICS each reads.
AGENT_READS = {
    "straight_node": ("odom", "agent/latent", "goal_pose"),
    "actor_node": ("odom", "body_contacts", "agent/latent", "goal_pose"),
}
# The guardrail's sources (cost/guardrail.py SOURCES) and the topic each is read from.
SOURCE_TOPICS = {"joint_states": "joint_states", "imu": "imu/data", "odom": "odom",
                 "proposal": "agent/cmd_vel_proposed"}
KILLABLE = ("gait_node", "cost_node", "configurator_node", "perception_node", "world_model_node")  # + the agent
STREAM_KINDS = ("silence", "delay", "future", "past", "flood", "nan", "inf", "wrong_size")


@dataclass(frozen=True)
class Fault:
    """One scripted fault. `expect`: what the guardrail must do.

    stop   -- an input of the guardrail goes bad: stop the robot (cmd_vel zero) while it is bad, walk
              again after (whether and when it is bad is the verdict's oracle to say, `verdict.py`);
    none   -- nothing it reads goes bad, so no stop is needed (the robot keeps walking);
    stack  -- a node the crash policy guards dies: the whole stack stops, by design.
    """

    kind: str  # a STREAM_KIND, "kill", "params" or "inject"
    topic: str = ""
    consumers: tuple[str, ...] = ()
    node: str = ""  # kill target
    expect: str = "stop"
    note: str = ""
    duration_s: float = DURATION_S

    @property
    def name(self) -> str:
        if self.kind == "kill":
            return f"SIGKILL {self.node}"
        if self.kind == "params":
            return "abusive parameter sets, every node"
        if self.kind == "inject":
            return f"{self.topic}: {self.note.split(':')[0]} (injected)"
        who = "all readers" if len(self.consumers) > 1 else (self.consumers[0] if self.consumers else "")
        return f"{self.topic}: {self.kind.replace('_', ' ')}" + (f" -> {who}" if who else "")

    @property
    def slug(self) -> str:
        return "".join(c if c.isalnum() else "_" for c in self.name.lower()).strip("_")


def _guardrail_input_faults() -> list[Fault]:
    out = []
    for topic in SOURCE_TOPICS.values():
        for kind in STREAM_KINDS:
            if kind == "wrong_size" and topic != "joint_states":
                continue  # Imu, Odometry and TwistStamped have fixed sizes: no wrong-size message exists
            out.append(Fault(kind, topic, ("cost_node",), expect="none" if kind == "flood" else "stop"))
    return out


def _readers(topic: str, agent_node: str) -> tuple[str, ...]:
    """Every node of the stack that reads `topic`, the agent node included when it does."""
    others = TOPICS[topic][2]
    return (*others, agent_node) if topic in AGENT_READS[agent_node] else others


def _every_reader_faults(agent_node: str) -> list[Fault]:
    def every(topic: str, kind: str, expect: str = "stop", note: str = "") -> Fault:
        # The body steps only on a good joint command (or after its 3 s harness wait): a short window,
        # just past its own command timeout (0.25 s), keeps the episode from crawling.
        duration = 0.3 if topic == "joint_commands" else DURATION_S
        return Fault(kind, topic, _readers(topic, agent_node), expect=expect, note=note, duration_s=duration)

    if agent_node == "straight_node":
        latent = ("none", "the straight agent reads only the latent's stamp")
    else:
        latent = ("stop", "the actor proposes zero for a latent it cannot use")
    faults = [
        every("joint_states", "nan"), every("joint_states", "wrong_size"),
        every("joint_states", "future", note="the gait stands: each refused reading gets the standing pose 0.25 s "
              "(wall) after it, as no honest one comes"),
        every("imu/data", "inf"),
        every("odom", "nan"), every("foot_contacts", "nan"),
        every("foot_contacts", "wrong_size", "none", "names and forces still pair: a missing foot reads 0 N"),
        every("body_contacts", "inf"), every("camera/image_raw", "wrong_size"),
        every("camera/image_raw", "future", note="perception refuses the frames: no latent, so no proposal"),
        every("agent/latent", "nan", *latent), every("agent/latent", "wrong_size", *latent),
        every("cmd_vel", "nan", "none", "downstream of the guardrail: the gait ignores it"),
        every("joint_commands", "nan", "none", "downstream of the guardrail: the body ignores it"),
        every("joint_commands", "wrong_size", "none", "downstream of the guardrail: the body ignores it"),
        every("agent/goal_sighting", "nan", "none", "the configurator refuses it; the goal stays where it was"),
        every("agent/goal_sighting", "silence", "none", "the configurator waits once, then judges odometry alone"),
    ]
    if agent_node == "straight_node":
        # Injected plans only where the agent publishes none: a planner's own plan of the same tick would
        # race the injected one. The veto itself is tested without ROS (test_guardrail_core.py) and
        # through cost_node (test_malformed_inputs.py).
        faults += [Fault("inject", "agent/plan_costs", expect="stop", note="a plan predicting NaN tilt"),
                   Fault("inject", "agent/plan", expect="stop", note="a plan stamped 30 s ahead")]
    return [*faults, Fault("inject", "goal_pose", expect="none",
                           note="a NaN goal: the agent drops it and proposes zero")]


def _kills(agent_node: str) -> list[Fault]:
    note = ("lock-step: the sim waits for each agent tick, so the proposal goes stale (and the guardrail "
            "stops) only if the respawn takes longer than 0.5 s of sim time")

    def kill(node: str) -> Fault:
        if node in ("gait_node", "cost_node"):
            return Fault("kill", node=node, expect="stack", note="the crash policy stops the stack")
        if node in ("perception_node", agent_node):
            return Fault("kill", node=node, expect="stop", note=note)
        return Fault("kill", node=node, expect="none", note="nothing the guardrail reads comes from it")

    return [kill(n) for n in (*KILLABLE, agent_node)]


def faults_for(agent: str = DEFAULT_AGENT) -> list[Fault]:
    """The whole catalog for a stack driven by `agent` (a name of stack/description.py AGENTS)."""
    agent_node = AGENTS[agent][0]
    return [*_guardrail_input_faults(), *_every_reader_faults(agent_node), *_kills(agent_node),
            Fault("params", expect="none")]


# The default test suite's subset. A relay fault hits exactly the messages stamped in its window,
# however slow the harness is; a kill is sent when the harness hears sim time reach the fault's
# start, so on a starved machine the sim can finish the episode first (seen with two busy
# processes): kills run under `-m faults` only.
FAST = ("joint_states: wrong size -> all readers",)


def by_name(names, agent: str = DEFAULT_AGENT) -> list[Fault]:
    table = {f.name: f for f in faults_for(agent)}
    unknown = [n for n in names if n not in table]
    if unknown:
        raise ValueError(f"unknown faults {unknown} for the {agent} agent; known: {sorted(table)}")
    return [table[n] for n in names]
