"""cost_node with `expect_plans`: every non-zero proposal is judged with its plan's predicted costs.

The helper robot of test_cost_node.py plays sim and agent on sim time, and here sends each proposal's plan
costs before it, as actor_node does.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from test_cost_node import NORMAL, TICK, Robot, guarding, twist

from lecun_agent.messages.plans import plan_costs_msg

pytestmark = pytest.mark.ros
SAFE_PLAN = {quantity: np.zeros(3) for quantity in ("tilt", "pain", "force", "fall")}


class PlanningRobot(Robot):
    """Publishes each proposal's plan costs first (while `planning`), as the actor does."""

    def __init__(self) -> None:
        super().__init__()
        self.planning = True
        proposals = self.proposal_pub

        def publish(msg) -> None:
            if self.planning:
                self.plan_costs_pub.publish(plan_costs_msg(msg.header.stamp, SAFE_PLAN))
            proposals.publish(msg)

        self.proposal_pub = SimpleNamespace(publish=publish)


@pytest.fixture(scope="module")
def ros():
    with guarding(PlanningRobot, expect_plans=True, sync_timeout_s=0.3) as pair:
        yield pair


def test_a_proposal_without_its_plan_stops_until_plans_come_again(ros):
    cost, robot = ros
    assert twist(robot.run(0.6)) == NORMAL
    robot.planning = False  # the planner's costs stop coming: the gate waits once, then goes on without them
    out = robot.run(2 * TICK)
    assert cost.guard.last.reasons == ("stale:plan",) and twist(out) == (0.0, 0.0, 0.0)
    robot.planning = True
    assert twist(robot.run(0.6)) == NORMAL
