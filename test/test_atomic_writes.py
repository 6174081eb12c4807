"""Issue 13, item 5 of "what to build": dataset and checkpoint writes are atomic, so a crash or a
full disk part-way through a write leaves the previous file (or none), never half of one."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

_FULL_DISK = """
import resource, signal, sys
from pathlib import Path
from lecun_agent.dataset.format import DatasetSpec, write_spec
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG, like a full disk
resource.setrlimit(resource.RLIMIT_FSIZE, (64, resource.RLIM_INFINITY))
try:
    write_spec(Path(sys.argv[1]), DatasetSpec(step_dt=0.1, source="test"))
except OSError as err:
    print("write failed:", err)
    sys.exit(3)
"""


def test_a_failed_spec_write_leaves_no_half_file(tmp_path):
    from lecun_agent.dataset.format import DatasetSpec, read_spec, write_spec

    data = tmp_path / "data"
    run = subprocess.run([sys.executable, "-c", textwrap.dedent(_FULL_DISK), str(data)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 3, run.stdout + run.stderr  # the write did fail part-way
    assert not (data / "spec.json").exists(), (data / "spec.json").read_text()
    write_spec(data, DatasetSpec(step_dt=0.1, source="test"))  # and the directory is still usable
    assert read_spec(data).step_dt == 0.1


def test_a_checkpoint_save_that_fails_part_way_keeps_the_old_pair(tmp_path, monkeypatch):
    """model.pt and meta.json change together: a full disk while writing meta.json must not leave new
    weights beside the old metadata (the step count, the config they were trained with)."""
    import torch

    from lecun_agent.dataset.format import DatasetSpec
    from lecun_agent.world_model.checkpoint import load_checkpoint, save_checkpoint
    from lecun_agent.world_model.config import WorldModelConfig
    from lecun_agent.world_model.model import WorldModel

    cfg = WorldModelConfig(latent_dim=8, hidden=16, ensemble=2)
    torch.manual_seed(0)
    old = WorldModel(cfg)
    save_checkpoint(tmp_path, old, DatasetSpec(), {"steps": 1})
    torch.manual_seed(1)
    new = WorldModel(cfg)
    write_text = Path.write_text

    def full_disk(self, *args, **kwargs):
        if self.name.startswith("meta.json"):
            raise OSError(28, "No space left on device")
        return write_text(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", full_disk)
    with pytest.raises(OSError):
        save_checkpoint(tmp_path, new, DatasetSpec(), {"steps": 2})
    monkeypatch.undo()
    loaded, _, meta = load_checkpoint(tmp_path)
    assert meta["train"]["steps"] == 1
    for key, value in old.state_dict().items():
        assert torch.equal(loaded.state_dict()[key], value), f"{key}: new weights under the old metadata"
