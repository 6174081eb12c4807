"""The runner names a node that lives on but no longer reports (hung), once, and again when it comes back."""

from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus

from lecun_agent.stack.bringup import watch_diagnostics
from lecun_agent.stack.silent_nodes import SilenceWatch


class Graph:
    """Stands in for the runner's node: only the subscription's topic matters here."""

    def __init__(self) -> None:
        self.topics: list[str] = []

    def create_subscription(self, _type, topic, _callback, _depth) -> None:
        self.topics.append(topic)


def report(*names: str) -> DiagnosticArray:
    return DiagnosticArray(status=[DiagnosticStatus(name=n) for n in names])


def test_a_silent_node_is_named_once_and_again_when_it_reports():
    now = [0.0]
    graph = Graph()
    watch = SilenceWatch(silent_after_s=30.0, clock=lambda: now[0])
    watch_diagnostics(graph, "robot1", [watch])
    assert graph.topics == ["/robot1/diagnostics"]
    running = {"actor_node": 41, "program_node": 42}
    assert watch.check(running) == []  # first sight of the processes
    watch.on_report(report("actor_node"))
    now[0] = 29.0
    assert watch.check(running) == []
    now[0] = 31.0
    ((problem, line),) = watch.check(running)
    assert problem and line.startswith("actor_node (pid 41) is running but has sent no diagnostics for 31 s: busy in "
                                       "one long callback")
    now[0] = 60.0
    assert watch.check(running) == []  # said once; program_node, never heard, is never named
    watch.on_report(report("actor_node"))
    assert watch.check(running) == [(False, "actor_node reports again")]


def test_a_respawned_process_starts_unheard():
    now = [0.0]
    watch = SilenceWatch(clock=lambda: now[0])
    watch.check({"actor_node": 41})
    watch.on_report(report("actor_node"))
    now[0] = 100.0
    assert watch.check({"actor_node": 77}) == []  # the new process imports torch: not silent, just starting
    now[0] = 200.0
    assert watch.check({"actor_node": 77}) == []
