"""Brings the described stack up in order and keeps it up until told to stop (`lecun-agent up`).

The body (sim_node) starts last, once every other node shows in the ROS graph, so that sim
time 0 finds the whole agent listening instead of waiting for slow imports (the lock-stepped
sim then holds time at 0 until the gait answers its first reading with the first tick's
command). Ctrl-C or SIGTERM stops the command sources first (they send a final zero), then
the rest.
"""

from __future__ import annotations

import faulthandler
import logging
import os
import signal
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import rclpy
from diagnostic_msgs.msg import DiagnosticArray
from rclpy.executors import SingleThreadedExecutor
from rclpy.node import Node
from rclpy.signals import SignalHandlerOptions

from lecun_agent.recording.topics import resolve

from .description import NodeLaunch, StackOptions, stack_nodes
from .driver_watch import DriverWatch
from .exit_codes import CLEAN_EXITS
from .runner import Stack
from .silent_nodes import SilenceWatch
from .status_watch import StatusWatch
from .wait_watch import WaitWatch

log = logging.getLogger(__name__)
STARTUP_TIMEOUT_S = 300.0  # wall seconds for every node to show in the graph (torch imports are slow; CI is shared)
BODY = "sim_node"
TEARDOWN_S = 30.0  # wall seconds for the runner's own ROS teardown once every node has exited
DISCOVERY_S = 1.0  # wall seconds to hear the nodes already on the domain (localhost discovery: well under)


def init_runner_ros() -> None:
    """rclpy for a runner: Ctrl-C and SIGTERM become KeyboardInterrupt so it stops its stack in order.

    rclpy's own handler would shut the context down under the runner instead. Installed
    explicitly: a runner started in the background of a script inherits SIGINT as ignored,
    and would then outlive its supervisor's Ctrl-C.
    """
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    rclpy.init(signal_handler_options=SignalHandlerOptions.NO)


def bring_up(options: StackOptions, log_dir: Path, graph: Node, executor,
             before_body: Callable[[], bool] | None = None,
             nodes: list[NodeLaunch] | None = None,
             body_parameters: dict | None = None) -> tuple[Stack, list[str]]:
    """Start the stack: every node but the body, then the body. -> (stack, crash messages).

    `before_body()` is polled (spinning) once the nodes are in the graph, until it returns True;
    the episode runner publishes the goal there, so the first agent tick already has it. `nodes`
    replaces `stack_nodes(options)` (the fault harness starts a rewired stack).
    """
    nodes = stack_nodes(options) if nodes is None else nodes
    body = [n for n in nodes if n.name == BODY]
    names = {n.name for n in nodes}
    _spin_for(executor, DISCOVERY_S)  # hear the nodes already on the domain before starting any
    if foreign := other_stacks_nodes(graph.get_node_names_and_namespaces(), names, options.namespace, set(),
                                     clock_publishers(graph)):
        return Stack([], log_dir, options.namespace), [foreign]
    stack = Stack([n for n in nodes if n not in body], log_dir, options.namespace)
    try:
        return stack, _start_the_rest(stack, names, body, options, graph, executor, before_body, body_parameters)
    except KeyboardInterrupt:  # Ctrl-C while the nodes come up: they stop in order too (QA: left to PDEATHSIG)
        stack.shutdown()
        raise


def _start_the_rest(stack: Stack, names: set[str], body: list[NodeLaunch], options: StackOptions,
                    graph: Node, executor, before_body: Callable[[], bool] | None,
                    body_parameters: dict | None) -> list[str]:
    """bring_up once the nodes but the body are started: wait for them, check the domain again, start the body.
    -> crash messages."""
    started = names - {BODY}
    ns = _graph_namespace(options.namespace)
    # Up: each has said so (its READY line), and the graph shows its name. The graph alone would be satisfied at
    # once by another stack's nodes of the same names that the first listen missed (QA, 2026-12-07: on a loaded
    # machine 1 s did not show them; the check below then ran while this stack's nodes were still importing).
    crashes = _wait(executor, stack, lambda: stack.all_ready() and {(name, ns) for name in started} <= set(
        graph.get_node_names_and_namespaces()), "nodes did not come up")
    # Once more before the body starts, after a listen that lets the graph show this stack's nodes beside another
    # stack's of the same names: that stack's nodes that discovery had not shown yet.
    if not crashes:
        _spin_for(executor, DISCOVERY_S)
    if not crashes and (foreign := other_stacks_nodes(graph.get_node_names_and_namespaces(), names,
                                                      options.namespace, started, clock_publishers(graph))):
        crashes = [foreign]
    if not crashes and before_body is not None:
        crashes = _wait(executor, stack, before_body, "the nodes did not get ready for the episode")
    for node in body if not crashes else []:
        stack.start(replace(node, parameters={**node.parameters, **(body_parameters or {})}))
    return crashes


def _graph_namespace(namespace: str) -> str:
    """A stack's namespace as the ROS graph lists its nodes': "" -> "/", "robot1" -> "/robot1"."""
    return "/" + namespace.strip("/")


def clock_publishers(graph: Node) -> list[str]:
    """The full names of the nodes publishing /clock on the domain (a simulator, a replay driver)."""
    return sorted(f"{info.node_namespace.rstrip('/')}/{info.node_name}"
                  for info in graph.get_publishers_info_by_topic("/clock"))


def other_stacks_nodes(graph: list[tuple[str, str]], names: set[str], namespace: str, ours: set[str],
                       clocks: list[str] = ()) -> str | None:
    """Why this stack must not start, or None: the ROS graph (name, namespace) holds nodes of its names in its
    namespace beyond `ours` (those it has started), or, when it has a simulator, a simulator in any namespace
    (each publishes the one absolute /clock): another stack runs on this domain. Two stacks on one domain
    read each other's topics, and each runs wrong without a word (QA, 2026-12-07: a `sim` started on the
    domain of a running one stalled both; a namespaced sim's /clock put the other's clock back). A node killed
    without a goodbye stays listed for its 20 s lease only by the participants that knew it; the runner's is
    new, so a crashed earlier run's nodes are not taken for another stack. `clocks`: the nodes publishing /clock
    before this stack's simulator starts (clock_publishers); any of them keeps a simulated stack off the domain
    (QA, 2026-12-07: a replay driver's /clock, not named sim_node, let a sim stack start beside it)."""
    ns = _graph_namespace(namespace)
    if BODY in names and clocks:
        return (f"ROS_DOMAIN_ID={os.environ.get('ROS_DOMAIN_ID', '0')} already has /clock published by "
                f"{', '.join(clocks)}: a simulated stack publishes its own, and two clocks on one domain put each "
                "other's time back. Stop it, or start this one with another ROS_DOMAIN_ID")
    counts = Counter((name, node_ns) for name, node_ns in graph
                     if name in names and (node_ns == ns or name == BODY))
    others = sorted((name, node_ns) for (name, node_ns), n in counts.items()
                    if n > (1 if name in ours and node_ns == ns else 0))
    if not others:
        return None
    found = ", ".join(f"{node_ns.rstrip('/')}/{name}" for name, node_ns in others)  # full node names
    return (f"ROS_DOMAIN_ID={os.environ.get('ROS_DOMAIN_ID', '0')} already runs {found}: another "
            "stack is on this domain, and two stacks on one domain read each other's topics (two simulators "
            "share /clock in any namespaces). Stop it, or start this one with another ROS_DOMAIN_ID")


def _spin_for(executor, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        executor.spin_once(timeout_sec=0.05)


def _wait(executor, stack: Stack, done: Callable[[], bool], what: str) -> list[str]:
    """Spin until `done()`; crash messages, or a time-out message naming `what`."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while not done():
        executor.spin_once(timeout_sec=0.1)
        crashes = stack.crashed()
        if crashes:
            return crashes
        if time.monotonic() > deadline:
            return [f"{what} within {STARTUP_TIMEOUT_S:.0f} s"]
    return []


def run_until_stopped(options: StackOptions, log_dir: Path) -> int:
    """`lecun-agent up`: run until Ctrl-C/SIGTERM; report crashed nodes; 0 when all stopped cleanly."""
    init_runner_ros()
    graph = Node("lecun_agent_runner")
    executor = SingleThreadedExecutor()
    executor.add_node(graph)
    stack, crashes = None, []
    watch = SilenceWatch()
    watches = [watch]  # each fed every report, from one subscription
    watch_diagnostics(graph, options.namespace, watches)
    try:
        stack, crashes = bring_up(options, log_dir, graph, executor)
        if not crashes:  # the body too: "up" before the sim is ready had the driver watch blame a driver (QA)
            crashes = _wait(executor, stack, stack.all_ready, "the body did not come up")
        for message in crashes:
            log.error("%s", message)
        if not crashes:
            log.info("stack is up (logs in %s); Ctrl-C to stop", log_dir)
        driver = DriverWatch(graph, options.namespace)  # its first look comes a few seconds after the stack is up
        waits, statuses = WaitWatch(), StatusWatch()
        watches += [waits, statuses]
        while not crashes:
            executor.spin_once(timeout_sec=0.2)
            for message in stack.supervise():  # agent nodes respawn; the body, gait or guardrail stop all
                crashes.append(message)
                log.error("node crashed, stopping the stack: %s", message)
            for problem, line in watch.check({p.node.name: p.popen.pid for p in stack.processes
                                              if p.popen.poll() is None}):
                log.log(logging.ERROR if problem else logging.INFO, "%s", line)
            if line := driver.check():
                log.log(logging.ERROR if driver.missing else logging.INFO, "%s", line)
            for line in waits.lines({p.node.name: p.log_path for p in stack.processes}):
                log.warning("%s", line)
            for level, line in statuses.lines():
                log.log({0: logging.INFO, 1: logging.WARNING}.get(level, logging.ERROR), "%s", line)
    except KeyboardInterrupt:
        log.info("stopping the stack")
    finally:
        codes = stack.shutdown() if stack is not None else {}
        unclean = {name: code for name, code in codes.items() if code not in CLEAN_EXITS}  # -2: our SIGINT
        if unclean:
            log.error("nodes that did not exit cleanly: %s", unclean)
        if stack is not None and stack.respawns:  # said at the end too: the crashes scrolled by long ago (QA)
            log.warning("nodes that crashed and were respawned during the run: %s (their logs: %s)",
                        ", ".join(f"{name} {n}x" for name, n in sorted(stack.respawns.items())), log_dir)
        _release_runner_ros(executor, graph)
    return 1 if crashes or unclean else 0


def watch_diagnostics(graph: Node, namespace: str, watches: list) -> None:
    """One /diagnostics subscription (in the stack's namespace) that hands every report to each of `watches`, as
    they are when it comes (the runner adds some once the stack is up)."""
    graph.create_subscription(DiagnosticArray, resolve("diagnostics", namespace),
                              lambda msg: [w.on_report(msg) for w in watches], 100)


def _release_runner_ros(executor, graph: Node) -> None:
    """Tear down the runner's own node with a time limit. Every stack node has exited by now, but once in three
    QA runs (2026-12-07) `up` hung here for good, in Fast DDS's publisher teardown (the deadlock of
    docs/reliability.md, "A node that hangs on shutdown"), deaf to Ctrl-C. faulthandler's watchdog needs no GIL:
    after TEARDOWN_S it prints every thread's stack and exits with status 1."""
    faulthandler.dump_traceback_later(TEARDOWN_S, exit=True)
    try:
        executor.shutdown()
        graph.destroy_node()
        rclpy.try_shutdown()
    finally:
        faulthandler.cancel_dump_traceback_later()
