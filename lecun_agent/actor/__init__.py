"""The actor: mode-2 planning in latent space (MPPI/CEM) and the distilled mode-1 policy.

    planner = Planner(WorldModelAdapter(model, fast_members=(0,)), intrinsic_cost, PlannerConfig())
    result = planner.plan(latent, pose, goal, last_action, weights=..., seed=tick, deadline_s=0.08)

See docs/actor.md for the tick contract and the measured choices.
"""

from lecun_agent.actor.config import PlannerConfig, gait_action_box, gait_rate_limits
from lecun_agent.actor.planner import Planner
from lecun_agent.actor.planning_model import PlanningModel, WorldModelAdapter
from lecun_agent.actor.policy import Mode1Policy, PolicyConfig, distill_policy, policy_inputs
from lecun_agent.actor.result import PlanResult

__all__ = [
    "Mode1Policy",
    "PlanResult",
    "Planner",
    "PlannerConfig",
    "PlanningModel",
    "PolicyConfig",
    "WorldModelAdapter",
    "distill_policy",
    "gait_action_box",
    "gait_rate_limits",
    "policy_inputs",
]
