"""launch/*.launch.py against the real ROS 2 `launch` and `launch_ros` APIs.

Runs where both are importable (a ROS 2 install, or a scratch venv with them checked out, see
docs/recording.md); skips with the reason elsewhere. It builds every description with argument
overrides, checks that the nodes match the one stack description, and runs robot.launch.py in a
LaunchService from a throwaway install prefix until a clean shutdown.
"""

import runpy
import sys
from pathlib import Path

import pytest

# launch.actions, not launch: the repository's own launch/ folder would import as a namespace package.
SKIP = "ROS 2 `launch`/`launch_ros` are not installed (pip-only machine)"
pytest.importorskip("launch.actions", reason=SKIP)
pytest.importorskip("launch_ros.actions", reason=SKIP)

from launch import LaunchContext, LaunchDescription, LaunchService  # noqa: E402
from launch.actions import (  # noqa: E402
    DeclareLaunchArgument,
    EmitEvent,
    IncludeLaunchDescription,
    OpaqueFunction,
    RegisterEventHandler,
    TimerAction,
)
from launch.event_handlers import OnProcessExit, OnProcessIO, OnProcessStart  # noqa: E402
from launch.events import Shutdown  # noqa: E402
from launch.launch_description_sources import PythonLaunchDescriptionSource  # noqa: E402
from launch_ros.actions import Node  # noqa: E402

from lecun_agent.nodes.spin import READY  # noqa: E402
from lecun_agent.stack.description import StackOptions, stack_nodes  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
CASES = [
    ("sim.launch.py", "sim", {}),
    ("sim.launch.py", "sim", {"namespace": "robot1", "gait": "false", "program": "walk",
                              "realtime": "true"}),
    ("robot.launch.py", "robot", {}),
    ("robot.launch.py", "robot", {"record": "true", "bag": "/tmp/x.mcap"}),
]


def _expand(file: str, overrides: dict) -> list[Node]:
    """Evaluate the description as `ros2 launch` would, up to (not including) starting processes."""
    ld = runpy.run_path(str(REPO / "launch" / file))["generate_launch_description"]()
    assert isinstance(ld, LaunchDescription)
    context = LaunchContext()
    context.launch_configurations.update(overrides)
    nodes = []

    def visit(entities) -> None:
        for entity in entities:
            if isinstance(entity, Node):
                nodes.append(entity)
            elif isinstance(entity, (DeclareLaunchArgument, OpaqueFunction)):
                visit(entity.visit(context) or [])
            else:
                assert isinstance(entity, RegisterEventHandler), entity

    visit(ld.entities)
    return nodes


@pytest.mark.parametrize(("file", "target", "overrides"), CASES)
def test_descriptions_build_with_overrides(file, target, overrides):
    nodes = _expand(file, overrides)
    options = StackOptions(target=target, namespace=overrides.get("namespace", ""),
                           gait=overrides.get("gait", "true") == "true", program=overrides.get("program", ""),
                           record=overrides.get("record", "false") == "true")
    expected = [n.name for n in stack_nodes(options)]
    assert [n.node_executable for n in nodes] == expected
    assert all(n.node_package == "lecun_agent" for n in nodes)
    # The namespace has no public getter before execution; launch_ros keeps it here (Jazzy..Rolling).
    namespaces = {getattr(n, "_Node__node_namespace", overrides.get("namespace", "")) for n in nodes}
    assert namespaces == {overrides.get("namespace", "")}


def _install_prefix(root: Path) -> Path:
    """The layout `ros2 launch` needs: ament index marker, share/<pkg>, executables in lib/<pkg>."""
    (root / "share/ament_index/resource_index/packages").mkdir(parents=True)
    (root / "share/ament_index/resource_index/packages/lecun_agent").write_text("")
    (root / "share/lecun_agent").mkdir(parents=True)
    (root / "share/lecun_agent/package.xml").write_text((REPO / "package.xml").read_text())
    (root / "lib/lecun_agent").mkdir(parents=True)
    for module in (REPO / "lecun_agent/nodes").glob("*_node.py"):
        exe = root / "lib/lecun_agent" / module.stem
        exe.write_text(f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(REPO)!r})\n"
                       f"from lecun_agent.nodes.{module.stem} import main\nmain()\n")
        exe.chmod(0o755)
    return root


def test_launch_service_runs_robot_launch_and_shuts_down_cleanly(tmp_path, monkeypatch):
    """Every node comes up (its READY line; however long a loaded machine takes), then a shutdown
    stops every node cleanly."""
    monkeypatch.setenv("AMENT_PREFIX_PATH", str(_install_prefix(tmp_path / "install")))
    expected = [n.name for n in stack_nodes(StackOptions(target="robot"))]
    started, ready, exited = [], set(), {}

    def on_output(event):
        if READY in event.text.decode(errors="replace"):
            ready.add(event.action.name)
        if len(ready) == len(expected):
            return [EmitEvent(event=Shutdown(reason="every node is up"))]
        return None

    ld = LaunchDescription([
        RegisterEventHandler(OnProcessStart(on_start=lambda event, _: started.append(event.action.name))),
        RegisterEventHandler(OnProcessIO(on_stdout=on_output, on_stderr=on_output)),
        RegisterEventHandler(OnProcessExit(on_exit=lambda event, _: exited.update({event.action.name:
                                                                                     event.returncode}))),
        IncludeLaunchDescription(PythonLaunchDescriptionSource(str(REPO / "launch/robot.launch.py"))),
        TimerAction(period=240.0, actions=[EmitEvent(event=Shutdown(reason="nodes did not come up"))]),
    ])
    service = LaunchService(argv=[])
    service.include_launch_description(ld)
    assert service.run() == 0
    assert sorted(name.rsplit("-", 1)[0] for name in started) == sorted(expected)
    assert len(ready) == len(expected), f"only {sorted(ready)} came up"
    assert all(code == 0 for code in exited.values()), exited  # SIGINT on shutdown is a clean exit
    assert len(exited) == len(started)


def test_a_crashed_node_is_respawned_and_one_that_finished_is_not(tmp_path, monkeypatch):
    """SIGKILL configurator_node: started again after RESPAWN_DELAY_S. SIGINT recorder_node (it closes its bag
    and exits 0, as after duration_s): it stays down, and its recording is the only one. launch's own
    `respawn` restarted a node after any exit, so a recorder that finished began again, for ever."""
    import os
    import signal

    monkeypatch.setenv("AMENT_PREFIX_PATH", str(_install_prefix(tmp_path / "install")))
    bag = tmp_path / "run1.mcap"
    expected = [n.name for n in stack_nodes(StackOptions(target="robot", record=True))]
    pids, ready, exits, done = {}, [], [], []

    def on_start(event, _):
        pids[event.action.name.rsplit("-", 1)[0]] = event.pid

    def on_output(event):
        if READY not in event.text.decode(errors="replace"):
            return None
        ready.append(event.action.name.rsplit("-", 1)[0])
        if len(ready) == len(expected):  # all up: one crash, one clean stop
            os.kill(pids["configurator_node"], signal.SIGKILL)
            os.kill(pids["recorder_node"], signal.SIGINT)
        if ready.count("configurator_node") == 2 and not done:  # respawned: give the recorder time to (not) come back
            done.append(True)
            return [TimerAction(period=3.0, actions=[EmitEvent(event=Shutdown(reason="seen"))])]
        return None

    ld = LaunchDescription([
        RegisterEventHandler(OnProcessStart(on_start=on_start)),
        RegisterEventHandler(OnProcessIO(on_stdout=on_output, on_stderr=on_output)),
        RegisterEventHandler(OnProcessExit(on_exit=lambda event, _: exits.append(
            (event.action.name.rsplit("-", 1)[0], event.returncode)))),
        IncludeLaunchDescription(PythonLaunchDescriptionSource(str(REPO / "launch/robot.launch.py")),
                                 launch_arguments={"record": "true", "bag": str(bag)}.items()),
        TimerAction(period=240.0, actions=[EmitEvent(event=Shutdown(reason="timed out"))]),
    ])
    service = LaunchService(argv=[])
    service.include_launch_description(ld)
    assert service.run() == 0
    assert ready.count("configurator_node") == 2, ready
    assert ready.count("recorder_node") == 1, ready
    assert ("recorder_node", 0) in exits and ("configurator_node", -9) in exits
    assert sorted(p.name for p in tmp_path.glob("run1*.mcap")) == ["run1.mcap"]


def test_a_node_that_refuses_its_parameters_stops_the_launch(tmp_path, monkeypatch):
    """configurator_node, which respawns after a crash, started with a parameter it does not have: it says why
    in one line and exits REFUSED_START; started again it would only refuse again, so the launch shuts down
    instead of respawning it every second."""
    from lecun_agent.stack.exit_codes import REFUSED_START

    monkeypatch.setenv("AMENT_PREFIX_PATH", str(_install_prefix(tmp_path / "install")))
    profile = tmp_path / "typo.yaml"
    profile.write_text("/**/configurator_node:\n  ros__parameters:\n    no_such_parameter: 1.0\n")
    started, exits, timed_out = [], [], []
    ld = LaunchDescription([
        RegisterEventHandler(OnProcessStart(on_start=lambda event, _: started.append(
            event.action.name.rsplit("-", 1)[0]))),
        RegisterEventHandler(OnProcessExit(on_exit=lambda event, _: exits.append(
            (event.action.name.rsplit("-", 1)[0], event.returncode)))),
        IncludeLaunchDescription(PythonLaunchDescriptionSource(str(REPO / "launch/robot.launch.py")),
                                 launch_arguments={"profile": str(profile)}.items()),
        TimerAction(period=240.0, actions=[OpaqueFunction(function=lambda _: timed_out.append(True)),
                                           EmitEvent(event=Shutdown(reason="timed out"))]),
    ])
    service = LaunchService(argv=[])
    service.include_launch_description(ld)
    service.run()
    assert not timed_out, exits
    assert started.count("configurator_node") == 1, started
    assert ("configurator_node", REFUSED_START) in exits, exits
