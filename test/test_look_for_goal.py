"""Looking for the goal marker: the configurator's look-around (configurator/look_around.py) and the plan
term that keeps a point in view (actor/look_for_goal.py)."""

import math

import numpy as np
import pytest
import torch

from lecun_agent.actor import Planner, PlannerConfig
from lecun_agent.actor.look_for_goal import look_for_goal
from lecun_agent.actor.toy import PointMassModel
from lecun_agent.configurator.goal_homing import GoalHoming, HomingSettings
from lecun_agent.configurator.look_around import LookAround, LookAroundSettings
from lecun_agent.cost.total import IntrinsicCost
from lecun_agent.cost.weights import CostWeights
from lecun_agent.stack.description import StackOptions, stack_nodes

pytestmark = pytest.mark.usefixtures("one_torch_thread")  # conftest.py

LEFT = (0.0, 1.5)  # a point 1.5 m square to the robot's left, 90 degrees outside the view


def planner() -> Planner:
    cfg = PlannerConfig(samples=256, iterations=4, discount=1.0, critic_weight=0.0, uncertainty="none",
                        rate_limit=None)
    return Planner(PointMassModel(), IntrinsicCost(weights=CostWeights(energy=0.0, progress=0.0)), cfg)


def bearing_at_end(result, point) -> float:
    """|bearing| of the point seen from the plan's last pose, rad."""
    x, y, yaw = (float(v) for v in result.poses[-1])
    b = math.atan2(point[1] - y, point[0] - x) - yaw
    return abs(math.atan2(math.sin(b), math.cos(b)))


def test_the_cost_is_the_angle_beyond_the_view_times_the_weight():
    look = look_for_goal(2.0, 50.0).towards(torch.tensor(LEFT))
    yaw = torch.tensor([[0.0, math.pi / 2, -math.pi / 2]])
    cost = look.cost(torch.zeros(1, 3, 2), yaw)
    assert cost[0].tolist() == pytest.approx([2.0 * math.radians(90 - 25), 0.0, 2.0 * math.radians(180 - 25)])


def test_a_point_to_keep_in_view_turns_the_plan_towards_it():
    """The toy walks sideways for free, so it reaches a goal at its side without turning; asked to keep
    that point in view, it turns until the point is in view."""
    plain = planner().plan(torch.zeros(8), goal=LEFT, seed=0)
    looking = planner().plan(torch.zeros(8), goal=LEFT, seed=0, look_at=LEFT)
    assert bearing_at_end(plain, LEFT) > math.radians(25.0) + 0.3
    assert bearing_at_end(looking, LEFT) < math.radians(25.0) + 0.1
    assert looking.weighted["goal_distance"].sum() < 1.2 * plain.weighted["goal_distance"].sum()  # still goes


def test_without_a_point_to_look_at_the_plan_is_unchanged():
    plain = planner().plan(torch.zeros(8), goal=LEFT, seed=3)
    again = planner().plan(torch.zeros(8), goal=LEFT, seed=3, look_at=None)
    assert torch.equal(plain.actions, again.actions) and plain.cost == again.cost


SENT = np.array([4.0, 0.0])


def homing(taken: int) -> GoalHoming:
    """The homing of the goal SENT, with `taken` of the 3 sightings it needs."""
    h = GoalHoming(HomingSettings(need=3))
    h.reset(SENT)
    for _ in range(taken):
        assert h.add(SENT, 1.0)
    return h


def walk(look: LookAround, points, t0=0.0, taken=1, dt=0.1):
    """Feed positions one tick apart (sightings `taken` of the 3 homing needs); return the last answer and the
    stamp after it."""
    out, t, h = None, t0, homing(taken)
    for p in points:
        out = look.update(t, np.asarray(p, float), h)
        t += dt
    return out, t


def test_near_the_goal_unseen_it_walks_back_along_its_path_and_gives_up_after_a_while():
    look = LookAround(LookAroundSettings(start_m=0.3, view_m=1.2, give_up_s=5.0))
    path = [(x, 0.0) for x in np.arange(0.0, 3.71, 0.05)]  # walked along x to 0.3 m short of the goal
    out, t = walk(look, path[:-1])
    assert out is None  # farther than start_m
    out, t = walk(look, path[-1:], t)
    assert out == pytest.approx([2.8, 0.0], abs=0.05) and look.count == 1  # the newest path point 1.2 m back
    assert look.update(t + 4.0, np.array([2.8, 0.0]), homing(1)) == pytest.approx([2.8, 0.0], abs=0.05)
    assert look.update(t + 5.5, np.array([2.8, 0.0]), homing(1)) is None  # gave up: walk to the goal
    assert look.update(t + 6.0, np.array([3.8, 0.0]), homing(1)) is None and look.count == 1  # once


def test_a_marker_never_glimpsed_or_homed_on_or_no_goal_or_off_means_no_look():
    path = [(x, 0.0) for x in np.arange(0.0, 3.91, 0.05)]
    assert walk(LookAround(), path, taken=0)[0] is None  # never seen: maybe no marker at all
    assert walk(LookAround(LookAroundSettings(unseen_too=True)), path, taken=0)[0] is not None  # every goal marked
    assert walk(LookAround(), path, taken=3)[0] is None  # homed
    look = LookAround()
    assert walk(look, path)[0] is not None
    assert look.update(10.0, np.array([3.9, 0.0]), homing(3)) is None  # seen while looking: homed
    assert look.viewpoint is None and look.look_at(10.0) is None
    assert LookAround().update(0.0, SENT, None) is None
    assert walk(LookAround(LookAroundSettings(enabled=False)), path)[0] is None


def test_time_going_back_starts_afresh():
    look = LookAround(LookAroundSettings(give_up_s=1.0))
    path = [(x, 0.0) for x in np.arange(0.0, 3.91, 0.05)]
    _, t = walk(look, path)
    assert look.update(t + 2.0, np.array([3.9, 0.0]), homing(1)) is None and look.done
    assert walk(look, path)[0] is not None and look.count == 2  # a new episode from t = 0


def test_a_path_that_started_near_the_goal_gives_a_viewpoint_back_the_way_it_came():
    look = LookAround(LookAroundSettings(view_m=1.2))
    viewpoint, _ = walk(look, [(3.2, 0.5), (3.4, 0.4), (3.6, 0.2), (3.8, 0.1)])  # never 1.2 m from SENT
    assert np.linalg.norm(viewpoint - SENT) == pytest.approx(1.2)
    direction = (np.array([3.2, 0.5]) - SENT) / np.linalg.norm(np.array([3.2, 0.5]) - SENT)
    assert (viewpoint - SENT) / 1.2 == pytest.approx(direction)  # towards where it came from
    assert np.linalg.norm(walk(LookAround(), [SENT])[0] - SENT) == pytest.approx(1.2)  # never moved: still 1.2 m


def test_the_point_to_look_at_sweeps_round_the_goal_sent():
    look = LookAround(LookAroundSettings(sweep_deg=40.0, sweep_s=6.0))
    viewpoint, _ = walk(look, [(x, 0.0) for x in (0.0, 1.0, 2.0, 2.8, 3.2, 3.75)])
    assert viewpoint.tolist() == [2.8, 0.0]
    angles = []
    for t in np.arange(0.0, 6.0, 0.1):
        d = look.look_at(t) - viewpoint
        assert np.linalg.norm(d) == pytest.approx(1.2)
        angles.append(math.degrees(math.atan2(d[1], d[0])))
    assert angles[0] == pytest.approx(0.0, abs=1e-9)
    assert max(angles) == pytest.approx(40.0, abs=0.5) and min(angles) == pytest.approx(-40.0, abs=0.5)


@pytest.mark.parametrize("options, unseen_too", [
    (StackOptions(), True),  # the sim's goal episodes mark every goal they send
    (StackOptions(arena="corridor"), False),
    (StackOptions(target="robot"), False),
])
def test_only_the_sims_goal_episodes_look_for_a_goal_never_glimpsed(options, unseen_too):
    configurator = next(n for n in stack_nodes(options) if n.name == "configurator_node")
    assert configurator.parameters["look_around.unseen_too"] is unseen_too
