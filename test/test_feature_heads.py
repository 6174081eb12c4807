"""Search heads (actor/feature_heads.py): they learn the world model's feature heads and its planning
head's twist and contact logit on the states plans visit, the samples are scored with them, and the plan
the guardrail reads is scored with the world model's own heads whatever the search heads say; the file
belongs to one world model and one format."""

from __future__ import annotations

from functools import partial

import pytest
import torch
from search_models import CFG, TINY, assert_chosen_plan_is_the_world_models, one_torch_thread, tiny_model

from lecun_agent.actor.actor import ActorSettings, feature_heads
from lecun_agent.actor.feature_heads import (
    HEADS_FILE,
    PLAN_OUTPUTS,
    distill_feature_heads,
    feature_groups,
    feature_width,
    load_feature_heads,
    save_feature_heads,
    search_net,
)
from lecun_agent.actor.planning_model import WorldModelAdapter
from lecun_agent.world_model.model import WorldModel


def narrow(model: WorldModel, hidden: int = 16) -> torch.nn.Sequential:
    return search_net(TINY.latent_dim, hidden, feature_width(model) + PLAN_OUTPUTS).eval().requires_grad_(False)


@pytest.fixture(scope="module")
def distilled():
    model = tiny_model()
    latents = torch.randn(1000, TINY.latent_dim, generator=torch.Generator().manual_seed(1))
    with one_torch_thread():
        heads, info = distill_feature_heads(model, latents, CFG.action_low, CFG.action_high, hidden=64, steps=3000,
                                            horizon=8)
    return model, latents, heads, info


def test_narrow_heads_learn_the_world_models_heads_on_held_out_states(distilled):
    model, _, heads, info = distilled
    assert sorted(info["heldout_r2"]) == sorted(TINY.head_features)  # every feature, the twist included
    r2 = info["heldout_r2"]
    assert min(r2.values()) > 0.3 and sum(r2.values()) / len(r2) > 0.6, r2
    assert 0.0 <= info["heldout_contact_prob_mae"] < 0.5 and 0.5 < info["heldout_contact_agreement"] <= 1.0
    # the same states scored by an untrained copy of the search net: far worse, on both heads' outputs
    s = torch.randn(300, TINY.latent_dim, generator=torch.Generator().manual_seed(2))
    width = feature_width(model)
    with torch.no_grad():
        target = torch.cat([model.heads(s), model.plan(s)[:, :PLAN_OUTPUTS]], dim=-1)
        trained, fresh = heads(s), narrow(model, 64)(s)
    for cols in (slice(0, width), slice(width, width + 3), slice(width + 3, width + 4)):  # features, twist, contact
        err_trained = (trained[:, cols] - target[:, cols]).pow(2).mean()
        assert err_trained < 0.3 * (fresh[:, cols] - target[:, cols]).pow(2).mean(), cols


def test_file_round_trips_and_belongs_to_its_world_model(distilled, tmp_path):
    model, _, heads, info = distilled
    save_feature_heads(tmp_path / HEADS_FILE, heads, model, info)
    loaded = load_feature_heads(tmp_path / HEADS_FILE, model)
    s = torch.randn(5, TINY.latent_dim)
    assert torch.equal(loaded(s), heads(s))
    with pytest.raises(ValueError, match="different world model.*distill-heads"):
        load_feature_heads(tmp_path / HEADS_FILE, tiny_model(seed=3))
    old = torch.load(tmp_path / HEADS_FILE, weights_only=True)
    del old["format"]  # a file written before the heads gave the twist and the contact logit
    torch.save(old, tmp_path / "old.pt")
    with pytest.raises(ValueError, match="another format.*distill-heads"):
        load_feature_heads(tmp_path / "old.pt", model)


def test_actor_finds_heads_beside_the_checkpoint_or_as_told(distilled, tmp_path):
    model, _, heads, info = distilled
    assert feature_heads(ActorSettings(), str(tmp_path), model) is None  # none there: the model's own heads
    save_feature_heads(tmp_path / HEADS_FILE, heads, model, info)
    assert feature_heads(ActorSettings(), str(tmp_path), model) is not None
    assert feature_heads(ActorSettings(heads_file="none"), str(tmp_path), model) is None
    with pytest.raises(FileNotFoundError):  # a file asked for by name must be there
        feature_heads(ActorSettings(heads_file=str(tmp_path / "missing.pt")), str(tmp_path), model)


def test_samples_use_the_narrow_heads_and_the_chosen_plan_the_world_models():
    model = tiny_model()
    wrong = narrow(model)
    with torch.no_grad():
        wrong[-1].bias.fill_(3.0)  # heads that predict nonsense (3 std above the mean everywhere)
    fast = WorldModelAdapter(model, fast_members=(0,), feature_heads=wrong)
    exact = WorldModelAdapter(model, fast_members=(0,))
    s = torch.randn(4, 8, TINY.latent_dim)
    for name in ("joint_effort", "base_velocity", "body_contact_force"):  # a feature head's, the planning head's
        assert not torch.allclose(fast.features(s)[name], exact.features(s)[name]), name
    for name, value in exact.features(s).items():
        assert torch.allclose(fast.features(s, exact=True)[name], value), name
    assert_chosen_plan_is_the_world_models(fast, exact)


def test_planner_latents_make_heads_the_actor_loads_beside_its_checkpoint(tmp_path):
    from model_nodes import tiny_checkpoint

    from lecun_agent.actor.actor import load_actor
    from lecun_agent.learning.planner_latents import fit_on_planner_latents

    tiny_checkpoint(tmp_path)
    actor = load_actor(str(tmp_path), {"planner.samples": 16, "planner.horizon": 4})
    assert actor.planner.model._search_heads is None  # no file yet: the world model's heads
    heads, info = fit_on_planner_latents(actor, [0], partial(distill_feature_heads, hidden=16, steps=200),
                                         max_seconds=2.0)
    assert info["latents"] == 20 and info["held_out"] == 2  # one latent per agent tick: 2 s at 10 Hz
    assert info["hidden"] == 16
    assert set(info["heldout_r2"]) == {n for n, _ in feature_groups(actor.model)} | {"base_velocity"}
    save_feature_heads(tmp_path / HEADS_FILE, heads, actor.model, info)
    assert load_actor(str(tmp_path)).planner.model._search_heads is not None  # actor_node's default place
    assert load_actor(str(tmp_path), {"heads_file": "none"}).planner.model._search_heads is None


def test_padding_the_search_heads_outputs_changes_no_feature(monkeypatch):
    """The adapter pads the search heads' last layer with zero outputs (float32 matmuls are faster on a
    multiple of 16): every feature comes out bit for bit as without the padding."""
    from lecun_agent.actor import planning_model

    model = tiny_model()
    net = narrow(model)
    padded = WorldModelAdapter(model, fast_members=(0,), feature_heads=net)
    monkeypatch.setattr(planning_model, "PAD_OUTPUTS", 1)
    plain = WorldModelAdapter(model, fast_members=(0,), feature_heads=net)
    width = feature_width(model) + PLAN_OUTPUTS
    assert plain._search_heads[-1].out_features == width  # TINY's count is no multiple of 16
    assert padded._search_heads[-1].out_features % 16 == 0 and padded._search_heads[-1].out_features > width
    s = torch.randn(4, 8, TINY.latent_dim, generator=torch.Generator().manual_seed(5))
    for every in (1, 3):
        got, want = padded.features(s, every=every), plain.features(s, every=every)
        assert sorted(got) == sorted(want)
        for name in want:
            assert torch.equal(got[name], want[name]), name
