"""World model parts: shapes, input checks, and cost terms evaluated on predicted features."""

import pytest
import torch

from lecun_agent.cost.total import IntrinsicCost
from lecun_agent.learning.losses import vicreg_terms
from lecun_agent.world_model.config import WorldModelConfig
from lecun_agent.world_model.model import WorldModel

B, H = 3, 4


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return WorldModel(WorldModelConfig(latent_dim=16, hidden=32, ensemble=3)).eval()


def obs(*lead):
    return torch.randint(0, 255, (*lead, 64, 64, 3), dtype=torch.uint8), torch.randn(*lead, 55)


def test_part_shapes(model):
    s = model.encode(*obs(B))
    assert s.shape == (B, 16)
    assert model.encode(*obs(B, H)).shape == (B, H, 16)
    a = torch.randn(B, 3)
    assert model.next(s, a).shape == (B, 16)
    assert model.next_ensemble(s, a).shape == (3, B, 16)
    assert model.uncertainty(s, a).shape == (B,) and (model.uncertainty(s, a) > 0).all()
    assert model.rollout(s, torch.randn(B, H, 3)).shape == (B, H, 16)
    assert model.critic(s).shape == (B,)
    heads = model.cost_heads(torch.randn(B, H, 16))
    assert heads["tilt"].shape == (B, H) and heads["foot_force"].shape == (B, H, 4)


def test_cost_terms_run_on_predicted_states(model):
    with torch.no_grad():
        feats = model.cost_heads(model.rollout(model.encode(*obs(B)), torch.randn(B, H, 3)))
    feats |= {"position": torch.zeros(B, H, 2), "yaw": torch.zeros(B, H), "goal": torch.zeros(B, H, 2),
              "has_goal": torch.zeros(B, H)}  # fmt: skip
    costs = IntrinsicCost().evaluate(feats).costs
    assert costs.shape == (B, H) and torch.isfinite(costs).all()


@pytest.mark.parametrize(
    "images, proprio, match",
    [
        (torch.zeros(2, 32, 32, 3, dtype=torch.uint8), torch.zeros(2, 55), "64, 64, 3"),
        (torch.zeros(2, 64, 64, 3), torch.zeros(2, 55), "uint8"),
        (torch.zeros(2, 64, 64, 4, dtype=torch.uint8), torch.zeros(2, 55), "64, 64, 3"),
        (torch.zeros(2, 64, 64, 3, dtype=torch.uint8), torch.zeros(2, 54), "55 values"),
        (torch.zeros(2, 64, 64, 3, dtype=torch.uint8), torch.full((2, 55), float("nan")), "NaN"),
    ],
)
def test_bad_observations_are_clear_errors(model, images, proprio, match):
    with pytest.raises(ValueError, match=match):
        model.encode(images, proprio)


def test_vicreg_penalises_collapse():
    collapsed = torch.zeros(64, 8) + 1e-3 * torch.randn(64, 8)
    spread = torch.randn(64, 8) * 2
    assert vicreg_terms(collapsed)[0] > 0.9 and vicreg_terms(spread)[0] < 0.1
    correlated = torch.randn(64, 1).repeat(1, 8)
    assert vicreg_terms(correlated)[1] > vicreg_terms(torch.randn(64, 8))[1]


def test_plan_heads_are_what_a_planner_scores(model):
    s = torch.randn(B, H, 16)
    plan = model.plan_heads(s)
    assert plan["base_velocity"].shape == (B, H, 3)
    for name in ("contact", "pain", "energy", "force"):
        assert plan[name].shape == (B, H), name
    assert ((plan["contact"] >= 0) & (plan["contact"] <= 1)).all()
    assert torch.allclose(torch.sigmoid(model.contact_logit(s)), plan["contact"])
    # One twist prediction: the full heads report the planning head's.
    assert torch.allclose(model.cost_heads(s)["base_velocity"], plan["base_velocity"])
    assert model.integrate(plan["base_velocity"]).shape == (B, H, 3)


def test_next_member_is_one_member_of_the_ensemble(model):
    s, a = torch.randn(B, 16), torch.randn(B, 3)
    members = model.next_ensemble(s, a)
    for k in range(3):
        assert torch.allclose(model.next_member(s, a, k), members[k], atol=1e-5)
        x = torch.cat([s, a / model.action_scale], dim=-1)  # the plain MLP the planner runs one member as
        assert torch.allclose(s + model.dynamics.member_net(k)(x), members[k], atol=1e-5)


def test_integrate_twist_geometry():
    from lecun_agent.world_model.odometry import integrate_twist

    straight = integrate_twist(torch.tensor([[0.5, 0.0, 0.0]]).repeat(10, 1), 0.1)
    assert torch.allclose(straight[-1], torch.tensor([0.5, 0.0, 0.0]), atol=1e-6)
    sideways = integrate_twist(torch.tensor([[0.0, -0.2, 0.0]]).repeat(5, 1), 0.1)
    assert torch.allclose(sideways[-1], torch.tensor([0.0, -0.1, 0.0]), atol=1e-6)
    # A constant twist is an arc of radius v / w: after a quarter turn, (r, r) with heading pi/2.
    v, w, n = 0.5, 1.0, 100
    dt = (torch.pi / 2) / w / n
    arc = integrate_twist(torch.tensor([[v, 0.0, w]]).repeat(n, 1), dt)
    assert torch.allclose(arc[-1], torch.tensor([v / w, v / w, torch.pi / 2]), atol=1e-4)
    batched = integrate_twist(torch.randn(4, 7, 6, 3), 0.1)
    assert batched.shape == (4, 7, 6, 3)


def test_wrong_head_features_are_a_clear_error():
    with pytest.raises(ValueError, match="base_velocity"):
        WorldModel(WorldModelConfig(latent_dim=8, hidden=16, head_features={"tilt": 1}))


@pytest.mark.parametrize("key, value", [
    ("latent_dim", "abc"), ("latent_dim", 8.0), ("latent_dim", True), ("rho", "0.9"), ("channels", [4, 4]),
    ("channels", [4, 4, 4, "4"]), ("head_features", [1]), ("head_features", {"tilt": 1.5}),
])
def test_a_config_value_of_another_type_is_refused_naming_its_key(key, value):
    """Not a TypeError from deep inside torch when the model is built."""
    with pytest.raises(ValueError, match=f"^world-model config key '{key}': .* is not of the type of its default"):
        WorldModelConfig.from_dict({key: value})


def test_a_config_takes_an_int_for_a_float_and_a_list_for_a_tuple():
    cfg = WorldModelConfig.from_dict({"rho": 1, "channels": [4, 4, 4, 4]})
    assert cfg.rho == 1.0 and isinstance(cfg.rho, float) and cfg.channels == (4, 4, 4, 4)
    assert WorldModelConfig.from_dict(WorldModelConfig().to_dict()) == WorldModelConfig()


def test_bootstrap_gives_each_member_its_own_share_of_the_batch():
    from lecun_agent.learning.losses import bootstrap_weights

    torch.manual_seed(0)
    w = bootstrap_weights(4, 2000, 0.5)
    assert w.shape == (4, 2000) and set(w.unique().tolist()) <= {0.0, 1.0}
    assert (w.mean(1) - 0.5).abs().max() < 0.05 and not torch.equal(w[0], w[1])
    assert torch.equal(bootstrap_weights(3, 5, 1.0), torch.ones(3, 5))
    assert (bootstrap_weights(8, 1, 0.01).sum(1) >= 1).all()  # never an empty share
