"""Short-term memory: a ring of latent transitions that refuses NaN and samples uniform batches."""

from __future__ import annotations

import numpy as np
import pytest

from lecun_agent.memory.replay import ShortTermMemory

TERMS = ("pain", "energy")


def test_ring_keeps_the_newest_and_refuses_non_finite():
    mem = ShortTermMemory(capacity=5, latent_dim=3, action_dim=2, term_names=TERMS)
    with pytest.raises(IndexError):
        mem.sample(4, np.random.default_rng(0))
    for k in range(8):
        assert mem.add(np.full(3, k), np.full(2, 0.1 * k), {"pain": k, "energy": 1.0}, np.full(3, k + 1), k)
    assert len(mem) == 5 and mem.written == 8
    latest = mem.latest()
    np.testing.assert_allclose(latest["s"], 7) and np.testing.assert_allclose(latest["s_next"], 8)
    assert latest["costs"] == {"pain": 7.0, "energy": 1.0} and latest["stamp"] == 7
    assert not mem.add(np.full(3, np.nan), np.zeros(2), {"pain": 0.0, "energy": 0.0}, np.zeros(3), 9.0)
    assert not mem.add(np.zeros(3), np.full(2, np.inf), {"pain": 0.0, "energy": 0.0}, np.zeros(3), 9.0)
    assert mem.refused == 2 and mem.written == 8
    assert mem.add(np.zeros(3), np.zeros(2), {"pain": 0.5}, np.zeros(3), 9.0)  # a term not measured: NaN
    assert mem.latest()["costs"]["pain"] == 0.5 and np.isnan(mem.latest()["costs"]["energy"])
    stored = set(mem.arrays()["s"][:, 0].tolist())
    assert stored == {4.0, 5.0, 6.0, 7.0, 0.0}  # the oldest four were overwritten


def test_sample_shapes_and_pairs_stay_together():
    mem = ShortTermMemory(capacity=50, latent_dim=4, action_dim=3, term_names=TERMS)
    for k in range(20):
        mem.add(np.full(4, k), np.full(3, k), {"pain": k, "energy": -k}, np.full(4, k + 1), float(k))
    batch = mem.sample(16, np.random.default_rng(1))
    assert batch["s"].shape == (16, 4) and batch["a"].shape == (16, 3) and batch["costs"].shape == (16, 2)
    assert (batch["s_next"][:, 0] == batch["s"][:, 0] + 1).all()
    assert (batch["costs"][:, 0] == batch["s"][:, 0]).all()
