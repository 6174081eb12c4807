"""A node that dies in native code leaves its Python stack in its log (stack/description.py NODE_ENV).

The crash is raised during the node module's import, before any node code could enable the fault
handler itself: the case of cost_node's rare SIGSEGV at start-up (docs/reliability.md).
"""

import time

from lecun_agent.stack.description import NodeLaunch
from lecun_agent.stack.runner import Stack


def test_a_native_crash_at_import_leaves_the_python_stack_in_the_node_log(tmp_path, monkeypatch):
    (tmp_path / "crashing_node.py").write_text(
        "import os, signal\n\ndef crash_at_import():\n    os.kill(os.getpid(), signal.SIGSEGV)\n\ncrash_at_import()\n"
    )
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    stack = Stack([NodeLaunch("crashing_node", (), module_name="crashing_node")], tmp_path / "logs")
    deadline = time.monotonic() + 60
    while stack.processes[0].popen.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    [message] = stack.crashed()
    assert "exited with code -11" in message
    assert "Segmentation fault" in message and "crash_at_import" in message, message
