"""The one description of the stack: which nodes run, with which parameter files and remappings.

`launch/sim.launch.py`, `launch/robot.launch.py` and the package's own runner (`lecun-agent
sim` / `lecun-agent up`) all build from `stack_nodes()`, so nothing is listed twice. It is
plain Python with no `launch` import, so machines without a ROS distro can use it too.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from lecun_agent.paths import MODEL_FILE, config_path, default_checkpoint_dir
from lecun_agent.programs.scripted import PROGRAMS
from lecun_agent.settings import setting
from lecun_agent.sim.config import SimConfig
from lecun_agent.stack.params_files import parameters_from_files, read_params_file

TARGETS = ("sim", "robot")
# Crash policy, one rule for both front ends (launch_description.py and runner.py): the body, its
# reflexes and the guardrail are what keep the robot safe, so if one of them dies the whole stack
# stops and a person looks (the robot's own driver holds it; a guardrail is never silently
# restarted under a moving robot). Every other node respawns after RESPAWN_DELAY_S; while it is
# down its topics go stale and the guardrail stops the robot, so a respawn is safe.
STOP_STACK_ON_CRASH = ("sim_node", "gait_node", "cost_node", "replay_driver_node")
RESPAWN_DELAY_S = 1.0
# Every node the package has (lecun_agent/nodes/<name>.py, each a `ros2 run lecun_agent <name>` executable).
NODE_NAMES = frozenset(p.stem for p in (Path(__file__).parent.parent / "nodes").glob("*_node.py"))
# Every node process's extra environment. PYTHONFAULTHANDLER: a crash in native code (a SIGSEGV in the
# ROS wheels or torch, even during imports) prints each thread's Python stack to the node's log.
NODE_ENV = {"PYTHONFAULTHANDLER": "1"}
# Agent name -> (node, its parameters). The first is the default: the best agent the package has.
AGENTS: dict[str, tuple[str, dict]] = {
    "full": ("actor_node", {}),  # mode 2 (MPPI through the world model), mode 1 proposing
    "mode1": ("actor_node", {"mode": "mode1"}),  # the distilled policy alone
    "random-shooting": ("actor_node", {"planner.method": "random"}),
    "no-critic": ("actor_node", {"planner.critic_weight": 0.0}),
    "straight": ("straight_node", {}),  # the straight-line baseline (no world model)
}
MODEL_AGENTS = tuple(name for name, (node, _) in AGENTS.items() if node == "actor_node")
VIDEO_SAMPLE_PATHS = 12  # sampled paths drawn on a recorded episode's video
PLAN_DEADLINE_S = 0.08  # real time: a plan later than this uses the best so far (lock-step has no deadline)


@dataclass(frozen=True)
class StackOptions:
    """Everything a user chooses when bringing the stack up.

    The one declaration of the options: the launch arguments (`launch_description.py`) and the
    CLI flags (`options.py`) are generated from these fields' metadata.
    """

    target: str = setting("sim", "sim: sim_node is the body; robot: a real robot's driver is",
                          choices=TARGETS)
    namespace: str = setting("", "namespace for every node (e.g. robot1)")
    profile: str = setting("", "config/profiles/<profile>.yaml, or a path to a .yaml file, overlaid on the code "
                           "defaults")
    realtime: bool = setting(False, "sim at wall-clock rate instead of lock-step")
    gui: bool = setting(False, "open the PyBullet window")
    gait: bool = setting(True, "gait_node turns cmd_vel into joint targets (off for robots whose own "
                         "controller takes /cmd_vel)")
    agent: str = setting("full", "what proposes the commands: full = the actor (MPPI in the world model's "
                         "latent space); mode1, random-shooting, no-critic = its ablations; straight = the "
                         "straight-line baseline", choices=tuple(AGENTS))
    program: str = setting("", "scripted velocity program instead of the agent (with no --agent)",
                           choices=("", *sorted(PROGRAMS)))
    arena: str = setting("", "sim arena layout: goal (goal episodes) or corridor (walking); empty = goal for an "
                         "agent, corridor for a program", choices=("", "corridor", "goal"))
    seed: int = setting(0, "arena layout and sensor-noise seed (sim)", low=0, high=2**31 - 1)
    record: bool = setting(False, "record the topic contract to a rosbag2-compatible MCAP (recorder_node)")
    bag: str = setting("", "MCAP file for --record; empty = recordings/<date-time>.mcap")
    record_dir: str = setting("", "sim only: directory for the episode's ground-truth log and video")
    record_video: bool = setting(True, "write the chase-camera video (sim only, with record_dir)")
    checkpoint: str = setting("", "world-model checkpoint directory; empty = the shipped default")
    nodes: tuple[str, ...] = ()  # restrict to these node names; () = all that apply (tests, tools)

    def __post_init__(self) -> None:
        if self.program and self.agent != "full":  # "full" is the default: only a chosen agent is refused
            raise ValueError(f"program {self.program!r} replaces the agent, so agent {self.agent!r} would not run: "
                             "choose one of them")


@dataclass(frozen=True)
class NodeLaunch:
    """One node to start: what every front end needs to know, nothing front-end specific."""

    name: str  # node name and executable name
    param_files: tuple[Path, ...]
    parameters: dict = field(default_factory=dict)  # overrides from the options
    remappings: tuple[tuple[str, str], ...] = ()
    commands_motion: bool = False  # sends a final zero on shutdown; stopped before the body
    module_name: str = ""  # a tool node outside lecun_agent.nodes (the fault harness's relay); "" = a node

    @property
    def on_crash(self) -> str:
        """What `ros2 launch` and the runner do when this node dies (CRASH_POLICY)."""
        return "stop_stack" if self.name in STOP_STACK_ON_CRASH else "respawn"

    @property
    def module(self) -> str:
        return self.module_name or f"lecun_agent.nodes.{self.name}"


def node_param_files(name: str, profile: Path | None) -> tuple[Path, ...]:
    """The node's params files: its config/<name>.yaml if one ships, then the profile (checked once, by
    stack_nodes) if there is one."""
    files = [config_path(f"{name}.yaml"), *([profile] if profile else [])]
    return tuple(f for f in files if f.exists())


def profile_path(profile: str, namespace: str = "") -> Path:
    """config/profiles/<profile>.yaml (installed with the package), or `profile` itself when it is a path to a
    .yaml file (a robot's own profile, kept outside the install: no rebuild per edit); refused when it is not
    a params file (params_files.read_params_file), when a section names no node of the stack (a typo would
    leave that node on its defaults in silence), or when a section would not reach its node under `namespace`.
    ROS matches a params file's section by the node's full name, so under /robot1 a section `cost_node:` (that
    is, /cost_node) is silently left out and the node runs with the code defaults (the sim's speed limits on a
    robot); `/**/cost_node:` matches in any namespace."""
    if profile.endswith((".yaml", ".yml")):
        path = Path(profile).expanduser().resolve()
        if not path.is_file():
            raise FileNotFoundError(f"no profile file {path}")
    else:
        path = config_path(f"profiles/{profile}.yaml")
        if not path.exists():
            available = sorted(p.stem for p in config_path("profiles").glob("*.yaml"))
            raise FileNotFoundError(f"no profile {profile!r}; available: {available}, or give a path to a .yaml file")
    sections = read_params_file(path)
    partial = [key for key in sections if any("*" in part and part not in ("*", "**") for part in key.split("/"))]
    if partial:  # rcl refuses the file in every node, each with its own parse error (QA, 2026-12-08)
        raise ValueError(f"profile {path}: the section(s) {partial} use '*' inside a name; ROS takes '*' and '**' "
                         "only as whole names ('/**', '/**/cost_node', '/*/cost_node'), so every node would refuse "
                         "the file")
    unknown = [key for key in sections if not _names_a_node(key)]
    if unknown:
        raise ValueError(f"profile {path}: the section(s) {unknown} name no node of the stack, so nothing would "
                         f"take their values; the nodes are {sorted(NODE_NAMES)} (a section is '/**' for every "
                         "node, or '/**/<node>')")
    ns = "/" + namespace.strip("/") if namespace.strip("/") else ""
    if ns:
        missed = [key for key in sections if not key.startswith(("/**", f"{ns}/"))]
        if missed:
            raise ValueError(f"profile {path}: under namespace {ns} the section(s) {missed} reach no node (ROS "
                             f"matches a section by the node's full name, e.g. {ns}/cost_node); key them "
                             f"'/**/<node>' (any namespace) or '{ns}/<node>'")
    return path


def _names_a_node(section_key: str) -> bool:
    """Whether a params-file section can reach one of the stack's nodes: its last name is a node's, or a
    wildcard (`/**`, `/*`: every node there)."""
    last = section_key.rstrip("/").rsplit("/", 1)[-1]
    return last in ("*", "**") or last in NODE_NAMES


def arena_layout(options: StackOptions) -> str:
    """The sim arena of these options: as asked, else goal for an agent and corridor for a program."""
    return options.arena or ("corridor" if options.program else "goal")


def stack_nodes(options: StackOptions) -> list[NodeLaunch]:
    """The nodes for `options`, in start order (body first, command sources last)."""
    if options.target not in TARGETS:
        raise ValueError(f"target must be one of {TARGETS}, got {options.target!r}")
    sim = options.target == "sim"
    lock_step = sim and not options.realtime
    profile = profile_path(options.profile, options.namespace) if options.profile else None
    nodes: list[NodeLaunch] = []

    def add(name: str, parameters: dict | None = None, remappings=(), commands_motion=False,
            reads_sensors=True) -> None:
        # Lock-step: sensor streams subscribed reliably, since a reading lost on a loaded machine would
        # stall the loop for a sync timeout (nodes/qos.py).
        common = {"use_sim_time": sim, **({"reliable_sensors": lock_step} if reads_sensors else {})}
        nodes.append(NodeLaunch(name, node_param_files(name, profile), {**common, **(parameters or {})},
                                tuple(remappings), commands_motion))

    if sim:
        nodes.append(NodeLaunch("sim_node", node_param_files("sim_node", profile), {
            "seed": options.seed, "mode": "synchronous" if lock_step else "realtime", "gui": options.gui,
            "record_dir": options.record_dir, "record_video": options.record_video,
            "arena.layout": arena_layout(options)}))
    sim_config = SimConfig()
    tick_s = 1.0 / sim_config.camera_hz if lock_step else 0.0  # lock-step: one agent tick per camera frame
    guarded = not options.nodes or "cost_node" in options.nodes
    if options.gait:
        # Lock-step: each reading waits for its command: the guardrail answers every control step, and a
        # command source without a guardrail every tick.
        add("gait_node", {"sync_period_s": (1.0 / sim_config.control_hz if guarded else tick_s) if lock_step
                          else 0.0}, commands_motion=True)
    planning = not options.program and options.agent in MODEL_AGENTS
    has_model = bool(options.checkpoint) or (default_checkpoint_dir() / "meta.json").exists()
    if planning and not has_model:
        raise FileNotFoundError(f"agent {options.agent!r} plans in a world model, and there is no checkpoint: "
                                "train one (lecun-agent train) and pass --checkpoint, or use --agent straight")
    # The guardrail waits for each tick's predicted plan costs only when a planner sends them.
    add("cost_node", {"expect_plans": planning, "sync_tick_s": tick_s}, commands_motion=True)
    sees_marker = has_model and (not options.nodes or "perception_node" in options.nodes)
    # The sightings come from perception_node; lock-step waits for each one, for repeatable runs.
    marked = sim and arena_layout(options) == "goal"  # sim_node marks each goal episode's goal
    add("configurator_node", {"goal_homing.enabled": sees_marker, "sync_sightings": sees_marker and lock_step,
                              "look_around.unseen_too": sees_marker and marked})
    if has_model:
        add("perception_node", {"checkpoint": options.checkpoint})
        add("world_model_node", {"checkpoint": options.checkpoint})
    if options.record:
        add("recorder_node", {"output": options.bag}, reads_sensors=False)  # matches its publishers' QoS itself
    if options.nodes:
        nodes = [n for n in nodes if n.name in options.nodes]
    # The command source proposes; the guardrail sees every proposal first.
    unguarded = () if guarded else (("agent/cmd_vel_proposed", "cmd_vel"),)
    if options.program:
        add("program_node", {"program": options.program}, unguarded, commands_motion=True)
    elif not options.nodes or agent_node(options) in options.nodes:
        node, parameters = AGENTS[options.agent]
        if planning:
            video = sim and bool(options.record_dir) and options.record_video  # the video shows the samples
            parameters = {**parameters, "checkpoint": options.checkpoint,
                          "planner.deadline_s": 0.0 if lock_step else PLAN_DEADLINE_S,
                          "sample_markers": VIDEO_SAMPLE_PATHS if video else 0}
        add(node, parameters, unguarded, commands_motion=True)
    _check_one_world_model(nodes, options.namespace)
    return nodes


def node_checkpoints(nodes: list[NodeLaunch], namespace: str = "") -> dict[str, Path]:
    """node -> the world-model checkpoint directory it loads, for the nodes that load one: its `checkpoint` as the
    command line gives it (`--checkpoint`), else as its params files (a profile) do, else the shipped default."""
    found = {}
    for node in nodes:
        if "checkpoint" in node.parameters:
            given = node.parameters["checkpoint"] or parameters_from_files(node.param_files, node.name, namespace).get(
                "checkpoint", "")
            found[node.name] = Path(str(given) or default_checkpoint_dir()).expanduser().resolve()
    return found


def _check_one_world_model(nodes: list[NodeLaunch], namespace: str) -> None:
    """ValueError when the nodes would load different checkpoints: the actor and world_model_node read the latents
    perception_node encodes, so another model's are refused tick after tick and the robot stands the whole
    episode (QA, 2026-12-07: a profile gave perception_node a latent-64 model, and `sim` ended at its time limit
    with nothing said)."""
    loaded = node_checkpoints(nodes, namespace)
    if len({_model_identity(path) for path in set(loaded.values())}) > 1:  # each directory read once
        raise ValueError("the nodes would load different world models ("
                         + ", ".join(f"{name}: {path}" for name, path in loaded.items())
                         + "); they exchange latents, so give them one: --checkpoint, or the same `checkpoint` for "
                         "each in the profile")


def _model_identity(checkpoint: Path) -> Path | str:
    """What makes two checkpoint directories one world model: the bytes of their model.pt (a copy of the shipped
    model under another path loads the same encoder), or the path where there is none to read (the node will say)."""
    try:
        return hashlib.sha256((checkpoint / MODEL_FILE).read_bytes()).hexdigest()
    except OSError:
        return checkpoint


def agent_node(options: StackOptions) -> str:
    """The node name of the options' command source."""
    return "program_node" if options.program else AGENTS[options.agent][0]
