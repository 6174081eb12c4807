"""Search dynamics (actor/search_dynamics.py): they learn member 0's dynamics on the states plans visit,
the samples are rolled out with them, the plan the guardrail reads is still predicted by the whole
ensemble, and the file belongs to one world model and one format."""

from __future__ import annotations

from functools import partial

import pytest
import torch
from search_models import CFG, TINY, assert_chosen_plan_is_the_world_models, one_torch_thread, tiny_model

from lecun_agent.actor.actor import ActorSettings, search_dynamics
from lecun_agent.actor.planning_model import WorldModelAdapter
from lecun_agent.actor.search_dynamics import (
    DYNAMICS_FILE,
    distill_search_dynamics,
    dynamics_net,
    load_search_dynamics,
    save_search_dynamics,
)


@pytest.fixture(scope="module")
def distilled():
    model = tiny_model()
    latents = torch.randn(1000, TINY.latent_dim, generator=torch.Generator().manual_seed(1))
    with one_torch_thread():
        net, info = distill_search_dynamics(model, latents, CFG.action_low, CFG.action_high, hidden=64, steps=1500,
                                            horizon=8)
    return model, net, info


def test_search_dynamics_follow_member_0_closer_than_the_other_member_does(distilled):
    _, _, info = distilled
    err, other = info["heldout_rms_by_step"], info["heldout_member1_rms_by_step"]
    assert len(err) == len(other) == 8
    assert all(e < 0.5 * o for e, o in zip(err, other, strict=True)), (err, other)
    assert 0.9 <= info["heldout_contact_agreement"] <= 1.0


def test_search_dynamics_step_is_a_plain_mlp_on_the_members_inputs(distilled):
    model, net, _ = distilled
    s, a = torch.randn(200, TINY.latent_dim), torch.rand(200, TINY.action_dim) * 0.4
    adapter = WorldModelAdapter(model, fast_members=(0,), search_dynamics=net)
    with torch.no_grad():
        member0 = model.next_member(s, a, 0)
        untrained = s + dynamics_net(model, 64)(torch.cat([s, a / model.action_scale], -1))
    err = (adapter.step(s, a) - member0).pow(2).mean()
    assert err < 0.1 * (untrained - member0).pow(2).mean()
    with pytest.raises(ValueError, match="one member"):
        WorldModelAdapter(model, fast_members=None, search_dynamics=net)


def test_a_bfloat16_path_leaves_the_callers_dynamics_in_float32(distilled):
    model, net, _ = distilled
    s, a = torch.randn(64, TINY.latent_dim), torch.rand(64, TINY.action_dim) * 0.4
    fp32 = WorldModelAdapter(model, fast_members=(0,), search_dynamics=net)
    before = fp32.step(s, a)
    WorldModelAdapter(model, fast_members=(0,), dtype=torch.bfloat16, search_dynamics=net)
    assert all(p.dtype == torch.float32 for p in net.parameters())
    assert torch.equal(WorldModelAdapter(model, fast_members=(0,), search_dynamics=net).step(s, a), before)


def test_file_round_trips_and_belongs_to_its_world_model(distilled, tmp_path):
    model, net, info = distilled
    save_search_dynamics(tmp_path / DYNAMICS_FILE, net, model, info)
    loaded = load_search_dynamics(tmp_path / DYNAMICS_FILE, model)
    x = torch.randn(5, TINY.latent_dim + TINY.action_dim)
    assert torch.equal(loaded(x), net(x))
    with pytest.raises(ValueError, match="different world model.*distill-dynamics"):
        load_search_dynamics(tmp_path / DYNAMICS_FILE, tiny_model(seed=3))
    other = torch.load(tmp_path / DYNAMICS_FILE, weights_only=True)
    other["format"] = 0
    torch.save(other, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="format.*distill-dynamics"):
        load_search_dynamics(tmp_path / "other.pt", model)


def test_actor_finds_dynamics_beside_the_checkpoint_or_as_told(distilled, tmp_path):
    model, net, info = distilled
    assert search_dynamics(ActorSettings(), str(tmp_path), model) is None  # none there: member 0
    save_search_dynamics(tmp_path / DYNAMICS_FILE, net, model, info)
    assert search_dynamics(ActorSettings(), str(tmp_path), model) is not None
    assert search_dynamics(ActorSettings(dynamics_file="none"), str(tmp_path), model) is None
    with pytest.raises(FileNotFoundError):  # a file asked for by name must be there
        search_dynamics(ActorSettings(dynamics_file=str(tmp_path / "missing.pt")), str(tmp_path), model)


def test_a_path_that_rolls_every_member_out_leaves_the_dynamics_beside_the_checkpoint_alone(distilled, tmp_path):
    from lecun_agent.actor.presets import planning_path

    model, net, info = distilled
    save_search_dynamics(tmp_path / DYNAMICS_FILE, net, model, info)
    for path in ("ensemble", "penalty"):  # every sample takes the ensemble: nothing for them to stand in for
        assert search_dynamics(ActorSettings(path=path), str(tmp_path), model) is None
    named = ActorSettings(path="ensemble", dynamics_file=str(tmp_path / DYNAMICS_FILE))
    with pytest.raises(ValueError, match="member"):  # asked for by name on such a path: an error, not ignored
        planning_path(model, named.path, search_dynamics=search_dynamics(named, str(tmp_path), model))


def test_samples_use_the_search_dynamics_and_the_chosen_plan_the_ensembles():
    model = tiny_model()
    wrong = dynamics_net(model, 16).eval().requires_grad_(False)
    with torch.no_grad():
        wrong[-1].bias.fill_(1.0)  # dynamics that drift every latent by 1 a step
    fast = WorldModelAdapter(model, fast_members=(0,), search_dynamics=wrong)
    exact = WorldModelAdapter(model, fast_members=(0,))
    s, a = torch.randn(4, TINY.latent_dim), torch.zeros(4, TINY.action_dim)
    assert not torch.allclose(fast.step(s, a), exact.step(s, a))
    assert torch.equal(fast.step_members(s, a), exact.step_members(s, a))
    assert_chosen_plan_is_the_world_models(fast, exact)


def test_planner_latents_make_dynamics_the_actor_loads_beside_its_checkpoint(tmp_path):
    from model_nodes import tiny_checkpoint

    from lecun_agent.actor.actor import load_actor
    from lecun_agent.learning.planner_latents import fit_on_planner_latents

    tiny_checkpoint(tmp_path)
    actor = load_actor(str(tmp_path), {"planner.samples": 16, "planner.horizon": 4})
    assert isinstance(actor.planner.model.fast[1], torch.nn.LayerNorm)  # no file yet: member 0
    net, info = fit_on_planner_latents(actor, [0], partial(distill_search_dynamics, hidden=16, steps=100),
                                       max_seconds=2.0)
    assert info["latents"] == 20 and info["held_out"] == 2 and info["hidden"] == 16
    save_search_dynamics(tmp_path / DYNAMICS_FILE, net, actor.model, info)
    loaded = load_actor(str(tmp_path)).planner.model.fast  # actor_node's default place
    assert isinstance(loaded[1], torch.nn.ReLU) and loaded[0].out_features == 16
    assert isinstance(load_actor(str(tmp_path), {"dynamics_file": "none"}).planner.model.fast[1], torch.nn.LayerNorm)
