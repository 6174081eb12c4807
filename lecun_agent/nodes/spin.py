"""The standard main() of every node: init, spin, and on Ctrl-C or SIGTERM a last act, then shutdown."""

from __future__ import annotations

import faulthandler
import re
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import rclpy
from rclpy.duration import Duration
from rclpy.exceptions import InvalidParameterTypeException, InvalidParameterValueException
from rclpy.executors import ExternalShutdownException
from rclpy.experimental import EventsExecutor
from rclpy.impl.implementation_singleton import rclpy_implementation as _rclpy
from rclpy.node import Node
from rclpy.signals import SignalHandlerOptions

from lecun_agent.heap import freeze_startup_objects, keep_freed_memory
from lecun_agent.messages.conversions import twist_msg
from lecun_agent.nodes.parameters import ParameterError
from lecun_agent.stack.exit_codes import REFUSED_START

RCLError = _rclpy.RCLError

# What a node refuses to start with is the user's input, not a bug: one line and exit code REFUSED_START.
START_REFUSALS = (ParameterError, InvalidParameterValueException, InvalidParameterTypeException)

READY = "ready: parameters declared, topics and services up"
# A shutdown still running after this long prints every thread's stack to the node's log, so a
# supervisor that then kills the node (the runner waits 10 s) leaves a record of where it hung.
SHUTDOWN_STACKS_AFTER_S = 5.0


def publish_last(publisher, msg, timeout_s: float = 1.0) -> None:
    """Publish a node's final message (a zero command) and wait until subscribers have it.

    The node is destroyed right after; without the wait, a reliable message still in the
    writer's queue is dropped with it and the robot never hears the zero.
    """
    publisher.publish(msg)
    publisher.wait_for_all_acked(Duration(seconds=timeout_s))


def propose_zero(node: Node) -> None:
    """A command source's last word on shutdown: a zero on its proposal publisher (`node.pub`)."""
    publish_last(node.pub, twist_msg(node.get_clock().now().to_msg(), [0.0, 0.0, 0.0]))


def spin_node(
    node_factory: Callable[[], Node], args=None, on_shutdown: Callable[[Node], None] | None = None
) -> None:
    """The standard main(): init, spin, and on Ctrl-C or SIGTERM a last act, then clean shutdown.

    rclpy's own signal handlers shut the context down before we could publish, so a node
    that commands motion could not send its final zero. We take SIGINT/SIGTERM ourselves
    and spin in short slices so a stop request is seen within 0.1 s. The process keeps its freed
    memory (heap.py), so a steady tick does not page-fault its tensors in again, and once the node
    is built its objects are frozen out of the garbage collector's scans (heap.py). A crash in native
    code (SIGSEGV, SIGABRT, ...) prints every thread's Python stack to stderr, the node's log, first;
    so does a shutdown still running after SHUTDOWN_STACKS_AFTER_S. A node that is done by itself (a
    recorder with a duration) sets `node.finished = True`, and stops the same way as on Ctrl-C.
    """
    faulthandler.enable(file=sys.stderr, all_threads=True)
    keep_freed_memory()
    try:
        rclpy.init(args=args, signal_handler_options=SignalHandlerOptions.NO)
    except RCLError as err:  # a params file or a `-p` rule rcl cannot parse: the user's input, not a bug
        _refuse(f"the ROS arguments do not parse: {rcl_reason(err)}")
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)  # during start-up: abort at once
    signal.signal(signal.SIGINT, _raise_keyboard_interrupt)
    stop = threading.Event()
    node = executor = None
    refused = None
    try:
        node = node_factory()
        freeze_startup_objects()  # the collector no longer scans the model and modules (heap.py)
        node.get_logger().info(READY)  # launch files and tests wait for this line
        # The events executor: round trips between two nodes 1.8-10x faster than SingleThreadedExecutor
        # at 2-3x less CPU per message (benchmarks/bench_executors.py; the gap grows with load), which
        # is what a lock-stepped loop of nine processes on 2 cores needs.
        executor = EventsExecutor()
        executor.add_node(node)
        # While spinning, a signal only asks the loop to stop: an exception raised mid-callback
        # (inside rclpy's take or publish) could leave the process exiting with an error.
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        while rclpy.ok() and not stop.is_set() and not getattr(node, "finished", False):
            executor.spin_once(timeout_sec=0.1)
    except START_REFUSALS as err:
        if node is not None:  # raised while running, not while starting: a bug, with its traceback
            raise
        refused = err
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    finally:
        # The first SIGINT/SIGTERM started this shutdown; a repeated one must not cut it short
        # (a supervisor escalates to SIGKILL if it takes too long).
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        faulthandler.dump_traceback_later(SHUTDOWN_STACKS_AFTER_S)
        if node is not None:
            for last_act in (on_shutdown, _final_diagnostics):
                try:
                    if last_act is not None:
                        last_act(node)
                except Exception as err:  # a failed last act must not hide the shutdown itself
                    node.get_logger().error(f"shutdown step failed: {err}")
        if executor is not None:
            # Unhook the executor from the node's subscriptions, timers and services before they are
            # destroyed: the events executor holds them, and left to the interpreter's exit that
            # teardown races the middleware's listener threads.
            executor.shutdown(timeout_sec=1.0)
        if node is not None:
            node.destroy_node()
        rclpy.try_shutdown()
        faulthandler.cancel_dump_traceback_later()
    if refused is not None:
        _refuse(refusal_text(refused))


def _refuse(reason: str) -> None:
    print(f"{Path(sys.argv[0]).stem}: cannot start: {reason}", file=sys.stderr)
    sys.exit(REFUSED_START)


def rcl_reason(err: Exception) -> str:
    """rcl's error without its C source locations: `Couldn't parse params file: '--params-file x.yaml'. Error:
    Error parsing a event near line 3`."""
    text = str(err).removeprefix("failed to initialize rcl: ")
    return re.sub(r",? at /\S+:\d+", "", text).strip()


def refusal_text(err: Exception) -> str:
    """The reason a node refused its parameters, with the type rule said in words."""
    text = str(err)
    if isinstance(err, InvalidParameterTypeException):
        text += " (a ROS parameter keeps its type: only an integer is taken for a double, 1 as 1.0)"
    return text


def _final_diagnostics(node: Node) -> None:
    """The node's counters as they ended (episode metrics read them), if it reports any."""
    diagnostics = getattr(node, "diagnostics", None)
    if diagnostics is not None:
        diagnostics.flush()


def _raise_keyboard_interrupt(signum, frame) -> None:
    raise KeyboardInterrupt
