"""Fault injection: goal episodes through the real ROS stack with scripted faults, and what the guardrail did.

`catalog.py` lists the faults; `corrupt.py` makes the bad messages; `relay.py` forwards a stream to
its consumers with a fault applied; `observer.py` watches what the guardrail read and what it sent;
`verdict.py` turns the observations into one table row; `abuse.py` makes the abusive parameter sets;
`injector.py` plugs all of it into a goal episode (`stack/episode.py`); `harness.py` runs the faults
and writes the table (`lecun-agent faults`, docs/reliability.md). Test and tool code only: no shipped
node imports it.
"""

# The agent the harness drives the stack with unless told otherwise: the straight line publishes no
# plans, so the injected plans are the only ones the guardrail sees (catalog.py).
DEFAULT_AGENT = "straight"
