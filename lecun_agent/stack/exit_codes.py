"""What a node's exit code means to the crash policy (description.py): one rule for both front ends
(runner.py, launch_description.py) and the code the nodes' own main (nodes/spin.py) exits with.
Plain Python with no imports, since every node imports it at start."""

# Exit codes of a node that stopped on purpose: it finished (recorder_node after duration_s) or was asked to
# (SIGINT). Such a node is not respawned: a crash is what respawns are for.
CLEAN_EXITS = (0, -2, 130)
# The exit code of a node that refused its start parameters (nodes/spin.py). Started again it would refuse
# again, so the stack stops and shows why, whichever node it is.
REFUSED_START = 2


class StartRefused(ValueError):
    """A node of an episode refused its start parameters (REFUSED_START): a profile or a flag to fix. Started
    again it would be refused again, so neither `lecun-agent sim` nor `eval` retries it."""


def stops_the_stack(on_crash: str, code: int) -> bool:
    """Whether a node that exited with `code` takes the stack down: a safety node (on_crash "stop_stack")
    always, any other node when it refused its start parameters."""
    return on_crash == "stop_stack" or code == REFUSED_START
