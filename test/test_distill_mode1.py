"""Mode-1 distillation: the planner's choices on goal episodes are cloned, and the policy file round-trips."""

from __future__ import annotations

import pytest
import torch
from model_nodes import tiny_checkpoint

from lecun_agent.actor.actor import load_actor
from lecun_agent.actor.policy import Mode1Policy, save_policy
from lecun_agent.learning.mode1 import collect_plans, distill_mode1


def test_distilled_policy_imitates_the_planner_and_is_tied_to_its_world_model(tmp_path):
    tiny_checkpoint(tmp_path)
    actor = load_actor(str(tmp_path), {"planner.samples": 16, "planner.horizon": 4})
    policy, info = distill_mode1(actor, [0], steps=300, max_seconds=2.0)
    assert info["pairs"] == 20  # one per agent tick: 2 s at 10 Hz
    assert info["train_mse_box"] < 0.05, info  # the planner's choice is a function of what the policy sees
    untrained = Mode1Policy(policy.cfg)
    actor.reset()
    inputs, actions, _ = collect_plans(actor, [0], policy.cfg, max_seconds=1.0)
    target = policy.to_box(actions).clamp(-1, 1)
    with torch.no_grad():
        assert (policy(inputs) - target).pow(2).mean() < (untrained(inputs) - target).pow(2).mean()
    save_policy(tmp_path / "mode1.pt", policy, actor.model, info)
    assert load_actor(str(tmp_path)).policy is not None  # actor_node's default place for it
    other = tmp_path / "other"
    other.mkdir()
    tiny_checkpoint(other, seed=1)
    (other / "mode1.pt").write_bytes((tmp_path / "mode1.pt").read_bytes())
    with pytest.raises(ValueError, match="different world model"):  # actor_node stops, saying why
        load_actor(str(other))
