"""After `train --resume` the distilled files beside the checkpoint belong to the earlier weights. The way out the
warning gives, distill-heads, distill-dynamics and distill, each with --replace, must run (each refused while
mode1.pt was stale, QA 2026-12-08); a mode-1 policy that belongs to the world model still proposes while the search
models are distilled, as it did for the shipped files."""

from __future__ import annotations

import pytest
from model_nodes import tiny_checkpoint

from lecun_agent.actor.feature_heads import FORMAT as HEADS_FORMAT
from lecun_agent.actor.policy import load_policy
from lecun_agent.actor.search_dynamics import FORMAT as DYNAMICS_FORMAT
from lecun_agent.actor.tied_file import save_tied
from lecun_agent.cli import main
from lecun_agent.learning import mode1, planner_latents
from lecun_agent.world_model.checkpoint import load_checkpoint


@pytest.fixture
def brief_episodes(monkeypatch):
    """One second of one goal episode per command, and the actors the commands built."""
    actors = []
    fit, distill = planner_latents.fit_on_planner_latents, mode1.distill_mode1

    def fit_briefly(actor, seeds, fit_model):
        actors.append(actor)
        return fit(actor, seeds, fit_model, max_seconds=1.0)

    def distill_briefly(actor, seeds, steps):
        actors.append(actor)
        return distill(actor, seeds, steps, max_seconds=1.0)

    monkeypatch.setattr(planner_latents, "fit_on_planner_latents", fit_briefly)
    monkeypatch.setattr(mode1, "distill_mode1", distill_briefly)
    return actors


def _files_of_other_weights(ckpt, tmp_path) -> None:
    """mode1.pt, planning_heads.pt and planning_dynamics.pt as a resumed run leaves them: tied to other weights."""
    other = tiny_checkpoint(tmp_path / "earlier", seed=1)
    save_tied(ckpt / "mode1.pt", {}, other)
    save_tied(ckpt / "planning_heads.pt", {"format": HEADS_FORMAT}, other)
    save_tied(ckpt / "planning_dynamics.pt", {"format": DYNAMICS_FORMAT}, other)


def test_the_distillations_after_a_resume_run_and_replace_the_stale_files(tmp_path, brief_episodes, capsys):
    ckpt = tmp_path / "ck"
    tiny_checkpoint(ckpt)
    _files_of_other_weights(ckpt, tmp_path)
    small = ["--checkpoint", str(ckpt), "--episodes", "1", "--steps", "2", "--replace"]
    assert main(["distill-heads", *small, "--hidden", "8"]) == 0
    said = capsys.readouterr().err
    assert f"planning without the mode-1 policy, which does not load: {ckpt / 'mode1.pt'}" in said, said
    assert main(["distill-dynamics", *small, "--hidden", "8"]) == 0
    assert "planning without the mode-1 policy" in capsys.readouterr().err
    assert main(["distill", "--checkpoint", str(ckpt), "--episodes", "1", "--steps", "2", "--out",
                 str(tmp_path / "other.pt")]) == 0  # another file: mode1.pt beside stays as it is
    assert main(["distill", *small]) == 0
    assert [a.policy for a in brief_episodes] == [None] * 4
    model = load_checkpoint(ckpt)[0]
    load_policy(ckpt / "mode1.pt", model)  # the actor takes all three now
    assert main(["distill-heads", *small, "--hidden", "8"]) == 0  # and the search models' planner proposes with it
    assert brief_episodes[-1].policy is not None
    assert "mode-1 policy" not in capsys.readouterr().err
