"""Dataset format and window loader: round trip, episode boundaries, NaN and corrupt-file handling."""

import re
import struct
import zipfile

import numpy as np
import pytest
import torch

from lecun_agent.dataset import format as format_module
from lecun_agent.dataset.format import (
    DatasetSpec,
    episode_path,
    list_episodes,
    read_spec,
    write_episode,
    write_spec,
)
from lecun_agent.dataset.step_mean import StepMean
from lecun_agent.dataset.synthetic import make_synthetic_dataset, synthetic_episode
from lecun_agent.dataset.windows import WindowSampler, load_episodes


def test_round_trip_and_windows_stay_inside_episodes(tmp_path):
    spec = make_synthetic_dataset(tmp_path, episodes=3, steps=20)
    assert read_spec(tmp_path) == spec
    data = load_episodes(tmp_path)
    assert len(data) == 60 and data.num_episodes == 3
    starts = data.window_starts(10)
    assert len(starts) == 3 * 10
    assert all(data.episode_id[t] == data.episode_id[t + 10] for t in starts)
    batch = WindowSampler(data, 10, batch_size=5, seed=0).sample()
    assert batch["images"].shape == (5, 11, 64, 64, 3) and batch["actions"].shape == (5, 10, 3)
    assert batch["feat_foot_force"].shape == (5, 11, 4) and batch["feat_tilt"].shape == (5, 11)


def test_sampler_is_seeded(tmp_path):
    make_synthetic_dataset(tmp_path, episodes=2, steps=20)
    data = load_episodes(tmp_path)
    a = WindowSampler(data, 5, 8, seed=3).sample()["proprio"]
    b = WindowSampler(data, 5, 8, seed=3).sample()["proprio"]
    assert np.array_equal(a.numpy(), b.numpy())


def test_nan_steps_are_skipped_not_fatal(tmp_path, caplog):
    spec = make_synthetic_dataset(tmp_path, episodes=1, steps=30)
    ep = synthetic_episode(np.random.default_rng(1), 30, spec)
    ep["proprio"][15, 3] = np.nan
    write_episode(episode_path(tmp_path, 1), ep, spec)
    data = load_episodes(tmp_path)
    assert "NaN" in caplog.text
    starts = data.window_starts(5)
    bad = 30 + 15
    assert not any(t <= bad <= t + 5 for t in starts)


def test_corrupt_or_mismatched_episode_is_logged_and_skipped(tmp_path, caplog):
    make_synthetic_dataset(tmp_path, episodes=2, steps=20)
    junk = list_episodes(tmp_path)[0]
    junk.write_bytes(b"not a zip file")
    np.savez_compressed(episode_path(tmp_path, 7), images=np.zeros((3, 32, 32, 3), np.uint8))
    data = load_episodes(tmp_path)
    assert data.num_episodes == 1
    assert f"skipping episode {junk}: not an episode file" in caplog.text
    assert f"skipping episode {episode_path(tmp_path, 7)}: " in caplog.text and "missing array" in caplog.text
    # numpy's own message for a file that is no .npz advises loading it with allow_pickle: running its code
    assert "pickle" not in caplog.text


def _flip_a_byte_of(path, member):
    """Flip one byte in the middle of a zip member's compressed data, as a bad disk or copy does."""
    with zipfile.ZipFile(path) as z:
        info = z.getinfo(member)
    raw = bytearray(path.read_bytes())
    name_len, extra_len = struct.unpack("<HH", raw[info.header_offset + 26 : info.header_offset + 30])
    raw[info.header_offset + 30 + name_len + extra_len + info.compress_size // 2] ^= 0xFF
    path.write_bytes(bytes(raw))


def test_a_cut_short_or_damaged_episode_file_is_logged_and_skipped(tmp_path, caplog):
    make_synthetic_dataset(tmp_path, episodes=3, steps=20)
    cut, flipped, _ = list_episodes(tmp_path)
    cut.write_bytes(cut.read_bytes()[: cut.stat().st_size // 2])
    _flip_a_byte_of(flipped, "images.npy")
    data = load_episodes(tmp_path)
    assert data.num_episodes == 1
    assert f"skipping episode {cut}" in caplog.text and f"skipping episode {flipped}" in caplog.text


@pytest.mark.parametrize("hard_links", [True, False])  # False: FAT, some network mounts
def test_an_episode_file_is_never_replaced(tmp_path, monkeypatch, hard_links):
    if not hard_links:
        def no_link(*_):  # os.link(src, dst)
            raise PermissionError(1, "Operation not permitted")
        monkeypatch.setattr(format_module.os, "link", no_link)
    spec = make_synthetic_dataset(tmp_path, episodes=1, steps=10)
    before = episode_path(tmp_path, 0).read_bytes()
    with pytest.raises(FileExistsError, match="episode_000000.npz"):
        write_episode(episode_path(tmp_path, 0), synthetic_episode(np.random.default_rng(5), 10, spec), spec)
    assert episode_path(tmp_path, 0).read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["episode_000000.npz", "spec.json"]  # no temporary left


def test_writer_rejects_wrong_image_size_and_spec_change(tmp_path):
    spec = make_synthetic_dataset(tmp_path, episodes=1, steps=10)
    ep = synthetic_episode(np.random.default_rng(0), 10, spec)
    ep["images"] = np.zeros((10, 32, 32, 3), np.uint8)
    with pytest.raises(ValueError, match="images"):
        write_episode(episode_path(tmp_path, 5), ep, spec)
    with pytest.raises(ValueError, match="different observations"):
        write_spec(tmp_path, DatasetSpec(action_names=["vx", "vy"]))
    with pytest.raises(FileNotFoundError):
        load_episodes(tmp_path / "nowhere")


def test_step_mean_averages_since_the_last_take():
    mean = StepMean()
    np.testing.assert_allclose(mean.take(np.array([7.0, 7.0])), [7.0, 7.0])  # nothing yet: the fallback
    for v in ([1.0, 2.0], [3.0, 4.0]):
        mean.add(np.array(v))
    np.testing.assert_allclose(mean.take(np.zeros(2)), [2.0, 3.0])
    mean.add(np.array([5.0, 5.0]))
    np.testing.assert_allclose(mean.take(np.zeros(2)), [5.0, 5.0])


def test_step_max_keeps_a_touch_between_frames():
    from lecun_agent.dataset.step_mean import StepMax

    peak = StepMax()
    assert peak.take(0.5) == 0.5  # nothing since the last frame: the frame's own reading
    for v in (0.0, 12.0, 0.0):
        peak.add(v)
    assert peak.take(0.0) == 12.0 and peak.take(0.0) == 0.0


def test_old_dataset_format_is_refused_with_the_reason(tmp_path):
    import json

    make_synthetic_dataset(tmp_path, episodes=1, steps=10)
    spec = json.loads((tmp_path / "spec.json").read_text())
    spec["format_version"] = 2
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    with pytest.raises(ValueError, match="contact_max"):
        load_episodes(tmp_path)


@pytest.mark.parametrize("text", ["{\n", "[1, 2]", '{"format_version": 3}'])
def test_an_invalid_spec_json_is_an_error_naming_the_file(tmp_path, text):
    make_synthetic_dataset(tmp_path, episodes=1, steps=10)
    (tmp_path / "spec.json").write_text(text)
    with pytest.raises(ValueError, match=re.escape(str(tmp_path / "spec.json"))):
        load_episodes(tmp_path)


def test_contact_labels_and_measured_terms(tmp_path):
    from lecun_agent.cost.total import IntrinsicCost

    make_synthetic_dataset(tmp_path, episodes=8, steps=40)
    data = load_episodes(tmp_path)
    assert data.contact().any() and np.array_equal(data.contact(1.0), data.contact_max > 1.0)
    i = int(np.flatnonzero(data.contact())[0])
    feats = {n: torch.from_numpy(v[i : i + 1]) for n, v in data.features.items()}
    assert data.terms["pain"][i] == pytest.approx(float(IntrinsicCost().term("pain").compute(feats)[0]))
