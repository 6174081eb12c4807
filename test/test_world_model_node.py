"""world_model_node through real rclpy: predictions stamped with their latent, memory, run-time reloads.

The node spins in a background thread; a probe node plays perception, guardrail and cost_node
and calls the parameter services as `ros2 param set` does.
"""

from __future__ import annotations

import numpy as np
import pytest
import rclpy
import torch
from geometry_msgs.msg import TwistStamped
from model_nodes import LATENT_DIM, spinning, tiny_checkpoint
from ros_probe import RosProbe
from sensor_msgs.msg import Image, JointState

from lecun_agent.messages.conversions import sec_to_stamp, stamp_to_sec, twist_msg
from lecun_agent.messages.latents import float_image, latent_frame, rows_from_float_image
from lecun_agent.nodes.diagnostics import OK, WARN
from lecun_agent.nodes.qos import COMMAND_QOS, SENSOR_QOS
from lecun_agent.nodes.world_model_node import WorldModelNode

pytestmark = pytest.mark.ros
H, MEMORY = 4, 5
CMD = np.array([0.3, 0.0, 0.2], dtype=np.float32)
S = np.linspace(-1.0, 1.0, LATENT_DIM, dtype=np.float32)  # (D,) a fixed test latent


class Agent(RosProbe):
    def __init__(self) -> None:
        super().__init__("fake_agent", use_sim_time=False)
        self.latent_pub = self.create_publisher(Image, "agent/latent", SENSOR_QOS)
        self.latent_frame = "latent"  # the node's checkpoint's (set by `setup`): as its encoder's latents
        self.cmd_pub = self.create_publisher(TwistStamped, "cmd_vel", COMMAND_QOS)
        self.cost_pub = self.create_publisher(JointState, "agent/cost", SENSOR_QOS)
        self.record(Image, "agent/predicted_latents", SENSOR_QOS)
        self.record(JointState, "agent/predicted_features", SENSOR_QOS)

    def predict(self, stamp: float, s: np.ndarray = S, timeout_s: float = 5.0) -> tuple[Image, JointState]:
        """Send cmd, cost and the latent stamped `stamp`; return both predictions for it."""
        self.cmd_pub.publish(twist_msg(sec_to_stamp(stamp), CMD))
        self.cost_pub.publish(JointState(name=["pain", "energy"], effort=[0.5, stamp]))
        self.spin_for(0.05)

        def got(topic: str):
            return [m for m in self.received[topic] if abs(stamp_to_sec(m.header.stamp) - stamp) < 1e-6]

        for _ in range(int(timeout_s / 0.2)):
            self.latent_pub.publish(float_image(sec_to_stamp(stamp), s[None], self.latent_frame))
            both = lambda: got("agent/predicted_latents") and got("agent/predicted_features")  # noqa: E731
            if self.spin_until(both, 0.2):
                return got("agent/predicted_latents")[-1], got("agent/predicted_features")[-1]
        raise AssertionError(f"no prediction for the latent stamped {stamp}")


@pytest.fixture(scope="module")
def ckpts(tmp_path_factory):
    root = tmp_path_factory.mktemp("ckpts")
    models = {"a": tiny_checkpoint(root / "a", seed=0), "b": tiny_checkpoint(root / "b", seed=1)}
    tiny_checkpoint(root / "narrow", latent_dim=8)
    (root / "corrupt").mkdir()
    (root / "corrupt" / "meta.json").write_text((root / "a" / "meta.json").read_text())
    (root / "corrupt" / "model.pt").write_bytes(b"not a torch file")
    return root, models


@pytest.fixture(scope="module")
def setup(ckpts):
    root, _ = ckpts
    rclpy.init()
    with spinning(WorldModelNode, checkpoint=str(root / "a"), horizon=H, memory_size=MEMORY) as node:
        agent = Agent()
        agent.latent_frame = latent_frame(node.ckpt.weights_id)
        agent.spin_until(lambda: agent.count_subscribers("agent/latent") > 0, 5.0)
        yield node, agent
        agent.destroy_node()
    rclpy.try_shutdown()


def expected_rollout(model, s: np.ndarray = S) -> np.ndarray:
    with torch.no_grad():
        actions = torch.from_numpy(np.repeat(CMD[None, None], H, axis=1))  # (1, H, A)
        return model.rollout(torch.from_numpy(s)[None], actions)[0].numpy()  # (H, D)


def test_prediction_stamped_shaped_and_named(setup, ckpts):
    node, agent = setup
    latents, costs = agent.predict(100.0)
    assert (latents.encoding, latents.height, latents.width) == ("32FC1", H, LATENT_DIM)
    np.testing.assert_allclose(rows_from_float_image(latents), expected_rollout(ckpts[1]["a"]), atol=1e-5)
    names = list(costs.name)
    assert {f"tilt[{k}]" for k in range(1, H + 1)} <= set(names)
    assert {"foot_force.3[1]", f"base_velocity.0[{H}]", f"uncertainty[{H}]"} <= set(names)
    assert len(costs.position) == len(names) and np.isfinite(costs.position).all()


def test_memory_fills_with_transitions(setup):
    node, agent = setup
    for k in range(MEMORY + 3):
        agent.predict(200.0 + 0.1 * k, S + k)
    assert len(node.memory) == MEMORY  # full, oldest dropped
    last = node.memory.latest()
    np.testing.assert_allclose(last["s_next"], S + MEMORY + 2)
    np.testing.assert_allclose(last["s"], S + MEMORY + 1)
    np.testing.assert_allclose(last["a"], CMD, atol=1e-6)
    assert last["costs"]["pain"] == 0.5 and last["stamp"] == pytest.approx(200.0 + 0.1 * (MEMORY + 2))


@pytest.mark.parametrize("name, reason", [
    ("missing", "not found"), ("corrupt", "not a file this project wrote"), ("narrow", "latent_dim 8"),
])
def test_bad_checkpoint_rejected_old_weights_kept(setup, ckpts, name, reason):
    node, agent = setup
    root, models = ckpts
    model_before, rejected = node.ckpt.model, node.ckpt.rejected
    result = agent.set_parameters("world_model_node", {"checkpoint": str(root / name)})[0]
    assert not result.successful and reason in result.reason, result.reason
    assert agent.get_parameters("world_model_node", ["checkpoint"]) == [str(root / "a")]
    assert node.ckpt.model is model_before and node.ckpt.rejected == rejected + 1
    latents, _ = agent.predict(300.0 + len(name))  # inference keeps working with model a
    np.testing.assert_allclose(rows_from_float_image(latents), expected_rollout(models["a"]), atol=1e-5)


def test_good_checkpoint_reloads(setup, ckpts):
    node, agent = setup
    root, models = ckpts
    assert len(node.memory) > 0  # model a's transitions, from the tests before
    result = agent.set_parameters("world_model_node", {"checkpoint": str(root / "b")})[0]
    assert result.successful, result.reason
    assert node.ckpt.reloads == 1
    # QA (2026-12-08): model a's transitions stayed, and online learning trained b's predictor on them.
    assert len(node.memory) == 0 and node.prev is None
    skipped = node.counts["skipped"]
    with pytest.raises(AssertionError, match="no prediction"):  # model a's encoder's latents mean nothing to b
        agent.predict(399.0, timeout_s=1.0)
    assert node.counts["skipped"] > skipped
    agent.latent_frame = latent_frame(node.ckpt.weights_id)
    latents, _ = agent.predict(400.0)
    np.testing.assert_allclose(rows_from_float_image(latents), expected_rollout(models["b"]), atol=1e-5)
    assert not np.allclose(expected_rollout(models["a"]), expected_rollout(models["b"]), atol=1e-3)
    agent.predict(400.1)
    assert len(node.memory) == 1 and node.memory.latest()["stamp"] == pytest.approx(400.1)  # b's latents only
    node._report()  # the skips at the switch are said once, not for good
    assert node._report()[0] == OK


def test_online_learning_adapts_the_predictor(setup):
    node, agent = setup
    for k in range(MEMORY + 1):  # a consistent latent trajectory fills memory
        agent.predict(500.0 + 0.1 * k, S * 0.8**k)

    def one_step_error() -> float:
        stored = node.memory.arrays()
        s, a, s_next = stored["s"], stored["a"], stored["s_next"]
        with torch.no_grad():
            return float((node.ckpt.model.next(s, a) - s_next).pow(2).mean())

    before, updates = one_step_error(), node.learner.updates
    encoder_before = [p.clone() for p in node.ckpt.model.encoder.parameters()]
    results = agent.set_parameters(
        "world_model_node", {"online_learning": True, "online_batch_size": MEMORY - 1, "online_lr": 2e-3}
    )
    assert all(r.successful for r in results)
    try:
        assert agent.spin_until(lambda: node.learner.updates >= updates + 40, 60.0)
    finally:
        agent.set_parameters("world_model_node", {"online_learning": False})
    assert one_step_error() < 0.5 * before
    encoder_after = node.ckpt.model.encoder.parameters()
    assert all(torch.equal(a, b) for a, b in zip(encoder_before, encoder_after, strict=True))  # frozen


def test_an_online_batch_larger_than_the_memory_is_a_warning(setup):
    """QA (2026-12-08): a batch the memory can never fill was accepted, and online learning then never ran,
    with /diagnostics saying OK."""
    node, agent = setup
    assert all(r.successful for r in agent.set_parameters(
        "world_model_node", {"online_learning": True, "online_batch_size": MEMORY + 1}))
    try:
        level, message, _ = node._report()
        assert level == WARN and f"online_batch_size {MEMORY + 1} > memory_size {MEMORY}" in message
    finally:
        agent.set_parameters("world_model_node", {"online_learning": False, "online_batch_size": MEMORY - 1})
    assert node._report()[0] == OK or "latents skipped" in node._report()[1]
