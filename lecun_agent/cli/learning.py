"""The learning subcommands of `lecun-agent`: collect, train, eval-model, distill, distill-heads, distill-dynamics,
select.

`lecun_agent/cli/__init__.py` registers them with `add_collect(sub)`, `add_train(sub)`,
`add_eval_model(sub)`; each sets `func` so the main CLI dispatches with `args.func(args)`.
Heavy imports happen inside the handlers so `lecun-agent --help` stays fast.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from lecun_agent.cli.arg_types import non_negative_int, number_in, positive_int, seconds
from lecun_agent.cli.output_paths import check_output_dir, check_output_file, refuse_earlier_results
from lecun_agent.paths import result_sibling


def add_collect(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "collect", help="drive the in-process sim with random velocity programs; write a dataset"
    )
    p.add_argument("--episodes", type=positive_int, required=True, help="number of episodes (one seed each)")
    p.add_argument("--seed-start", type=non_negative_int, default=0, help="first arena/program seed")
    p.add_argument("--out", type=Path, required=True,
                   help="dataset directory (created or appended to; a seed's episode already there is an error)")
    p.add_argument("--episode-seconds", type=seconds(0.0, 3600.0), default=20.0, help="sim seconds per episode")
    p.add_argument("--workers", type=positive_int, default=1, help="parallel sim processes")
    p.add_argument(
        "--program",
        choices=["mixed", "wander"],
        default="mixed",
        help="mixed: wandering alternating with approach-and-touch cycles (default); wander: no approaches",
    )
    p.add_argument(
        "--pass-share",
        type=number_in(0.0, 1.0, "a share", low_included=True),
        default=0.0,
        help="share of the approach cycles at a surface that walk past it, faster and with a sidestep "
        "(close passes); 0 = the shipped model's data",
    )
    p.add_argument(
        "--sidestep-share",
        type=number_in(0.0, 1.0, "a share", low_included=True),
        default=0.0,
        help="share of the approach cycles at open floor walked as a pass, faster and with a sidestep; "
        "0 = no such walks",
    )
    p.set_defaults(func=_collect)


def _collect(args: argparse.Namespace) -> int:
    from lecun_agent.learning.collect import CollectConfig, collect

    check_output_dir(args.out, "--out")
    cfg = CollectConfig(
        args.episodes, args.seed_start, args.episode_seconds, args.workers, args.program, args.pass_share,
        args.sidestep_share,
    )
    summary = collect(args.out, cfg)
    print(json.dumps(summary, indent=2))
    return 0


def add_train(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train the world model on a dataset (torchrun-compatible)")
    p.add_argument(
        "--data", type=Path, required=True, help="dataset directory (from collect or the MCAP converter)"
    )
    p.add_argument("--out", type=Path, required=True,
                   help="checkpoint directory; one that holds a checkpoint only with --resume")
    p.add_argument("--minutes", type=number_in(0.0, 1e6, "minutes"), default=None,
                   help="wall-clock budget for this run")
    p.add_argument(
        "--cpu-minutes",
        type=number_in(0.0, 1e6, "minutes"),
        default=None,
        help="compute budget for this run: minutes of --threads busy cores (process CPU time / threads); "
        "on a shared machine this is the fair form of --minutes",
    )
    p.add_argument("--steps", type=positive_int, default=20000, help="stop after this many optimiser steps")
    p.add_argument("--resume", action="store_true",
                   help="continue the run in OUT from OUT/train_state.pt (an error when there is none)")
    p.add_argument("--batch-size", type=positive_int, default=32)
    p.add_argument("--lr", type=number_in(0.0, 1.0, "a learning rate"), default=1e-3)
    p.add_argument("--seed", type=non_negative_int, default=0)
    p.add_argument("--threads", type=non_negative_int, default=None,
                   help="torch CPU threads (default: 1, or with --resume the run's own count); 0 = torch's "
                   "choice (all cores: fastest on a machine the run has to itself, and many times slower when "
                   "anything else runs; docs/world_model.md, Threads)")
    p.add_argument("--max-transitions", type=positive_int, default=None,
                   help="use only the first N transitions (the episodes in file order, the last one used cut short "
                   "where they run out)")
    p.add_argument("--config", type=Path, default=None,
                   help="JSON file of WorldModelConfig overrides for a new run (refused with --resume)")
    p.set_defaults(func=_train)


def _train(args: argparse.Namespace) -> int:
    from lecun_agent.learning.train import Interrupted, TrainConfig, train
    from lecun_agent.world_model.config import WorldModelConfig

    check_output_dir(args.out, "--out")
    if args.resume and args.config is not None:  # QA: the resumed model silently kept its own shape
        raise ValueError(f"--config shapes a new model; a resumed run goes on with the one saved in {args.out}: drop "
                         "--config, or train a new run into another --out")
    try:
        overrides = json.loads(args.config.read_text()) if args.config else {}
        if not isinstance(overrides, dict):
            raise ValueError(f"a JSON object of WorldModelConfig fields is wanted, not a {type(overrides).__name__}")
        model_cfg = WorldModelConfig.from_dict({**WorldModelConfig().to_dict(), **overrides})
    except ValueError as err:  # JSONDecodeError is one
        raise ValueError(f"{args.config}: {err}") from err
    cfg = TrainConfig(
        steps=args.steps,
        minutes=args.minutes,
        cpu_minutes=args.cpu_minutes,
        batch_size=args.batch_size,
        lr=args.lr,
        seed=args.seed,
        threads=args.threads,
        max_transitions=args.max_transitions,
    )
    try:
        summary = train(args.data, args.out, cfg, model_cfg, resume=args.resume)
    except Interrupted as stop:  # Ctrl-C or SIGTERM
        if os.environ.get("RANK", "0") == "0":
            print(f"lecun-agent train: {stop.how} at step {stop.step}: saved to {args.out}; to go on, run the same "
                  "command with --resume", file=sys.stderr)
        return stop.exit_code
    if os.environ.get("RANK", "0") != "0":  # under torchrun only rank 0 reports
        return 0
    print(json.dumps({k: v for k, v in summary.items() if k != "metrics"}, indent=2))
    return 0


def add_eval_model(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("eval-model", help="score a world-model checkpoint on fresh held-out episodes")
    p.add_argument(
        "--checkpoint", type=Path, default=None, help="checkpoint directory (default: shipped one)"
    )
    p.add_argument(
        "--seed-start", type=non_negative_int, default=100000, help="first held-out seed (never used in training)"
    )
    p.add_argument("--episodes", type=positive_int, default=20)
    p.add_argument("--horizon", type=positive_int, default=10)
    p.add_argument(
        "--data", type=Path, default=None, help="evaluate an existing dataset instead of collecting"
    )
    p.add_argument("--workers", type=positive_int, default=1, help="parallel sim processes for the collection")
    p.add_argument("--json", type=Path, required=True, help="result file; the PNGs go next to it")
    p.add_argument("--strict", action="store_true",
                   help="exit 1 when an acceptance check fails (for scripts; the results are written either way)")
    p.set_defaults(func=_eval_model)


def _eval_model(args: argparse.Namespace) -> int:
    import torch

    from lecun_agent.learning.evaluate import eval_checkpoint
    from lecun_agent.learning.plots import plot_contact_timeline, plot_eval, plot_paths
    from lecun_agent.learning.seeds import SeedOverlapError
    from lecun_agent.world_model.checkpoint import CheckpointError

    for path in (args.json, *_eval_pngs(args.json)):
        check_output_file(path, "--json")
    refuse_earlier_results((args.json, *_eval_pngs(args.json)), "--json")
    torch.manual_seed(0)
    details: dict = {}
    try:
        res = eval_checkpoint(
            args.checkpoint,
            args.seed_start,
            args.episodes,
            args.horizon,
            args.data,
            workers=args.workers,
            details=details,
        )
    except (CheckpointError, SeedOverlapError) as err:
        print(f"eval-model: {err}", file=sys.stderr)
        return 2
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(res, indent=2))
    eval_png, contact_png, paths_png = _eval_pngs(args.json)
    pngs = [
        plot_eval(res, eval_png),
        plot_contact_timeline(details, contact_png),
        plot_paths(details, paths_png),
    ]
    print(summary_text(res, str(args.horizon)))
    print(f"wrote {args.json} and {', '.join(str(p) for p in pngs)}")
    failed = failed_checks(res)
    if failed and args.strict:
        print(f"eval-model: acceptance checks failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def failed_checks(res: dict) -> list[str]:
    """The names of eval-model's acceptance checks that failed."""
    return [k for k, v in res["acceptance"].items() if k.endswith("_ok") and not v]


def _eval_pngs(json_path: Path) -> tuple[Path, Path, Path]:
    """The plots eval-model writes next to its result file: the scores, the contact timeline, the paths."""
    return tuple(result_sibling(json_path, ext) for ext in (".png", "_contact.png", "_paths.png"))


def summary_text(res: dict, h: str) -> str:
    """The eval-model numbers a reader checks first, one line each."""

    def f(x) -> str:
        return "n/a" if x is None else f"{x:.3f}"

    lines = [
        f"episodes {res['episodes']}  windows {res['windows']}  latent_dim {res['latent_dim']}  "
        f"effective_rank {res['effective_rank']:.1f}",
        f"error@{h} {res['error_by_horizon'][h]:.3f}  copy@{h} {res['copy_baseline_by_horizon'][h]:.3f}  "
        f"linear@{h} {res['linear_baseline_by_horizon'][h]:.3f}",
    ]
    lines += [f"R2 {q}: @1 {curve['1']:.3f}  @{h} {curve[h]:.3f}" for q, curve in res["r2"].items()]
    lines += [
        f"contact@{h}: AUC {f(res['contact_auc'][h])}  no-camera baseline {f(res['contact_auc_baseline'][h])}"
        f"  positive rate {res['contact_positive_rate'][h]:.3f}",
        f"displacement@{h} (m): model {f(res['displacement_error_m'][h])}  command "
        f"{f(res['displacement_error_command_m'][h])}; contact windows: model "
        f"{f(res['displacement_error_m_contact'][h])}  "
        f"command {f(res['displacement_error_command_m_contact'][h])}",
        f"uncertainty Spearman (spread vs error@{h}) {res['uncertainty_error_spearman']:.3f}",
        "acceptance: "
        + ", ".join(
            f"{k}={'pass' if v else 'FAIL'}" for k, v in res["acceptance"].items() if k.endswith("_ok")
        ),
    ]
    return "\n".join(lines)


DISTILL_SEED_START = 1000  # distillation seeds start here, apart from eval's 0-19


def _add_planner_episodes(p, seed_start: int, seeds_help: str, episodes: int = 30) -> None:
    """The arguments of a command that learns from the planner's seeded goal episodes."""
    p.add_argument("--checkpoint", default="", help="world-model checkpoint directory; empty = the shipped default")
    p.add_argument("--episodes", type=positive_int, default=episodes,
                   help="goal episodes the planner runs (one seed each)")
    p.add_argument("--seed-start", type=non_negative_int, default=seed_start, help=seeds_help)


def add_distill(sub) -> None:
    p = sub.add_parser("distill", help="distil the mode-1 policy from the planner (mode 2) on seeded goal episodes; "
                       "writes mode1.pt next to the world model, where actor_node looks for it")
    _add_planner_episodes(p, DISTILL_SEED_START, "first seed (eval uses 0-19; keep them apart)")
    p.add_argument("--steps", type=positive_int, default=3000, help="behaviour-cloning optimiser steps")
    p.add_argument("--out", type=Path, default=None, help="policy file; default <checkpoint>/mode1.pt")
    _add_replace(p, "policy")
    p.set_defaults(func=_run_distill)


def _add_replace(p, what: str) -> None:
    p.add_argument("--replace", action="store_true",
                   help=f"overwrite the {what} file at --out (or beside the world model) when there is one; without it "
                   "an existing one is kept and the command refuses to start")


def _check_distilled_output(out: Path, replace: bool) -> None:
    """A distilled file is never replaced unless asked (`--replace`): the default path is beside the world model,
    the shipped checkpoint's included, and a new fit can be worse than the one it would replace."""
    check_output_file(out, "--out", parents_made=False)
    if out.exists() and not replace:
        raise FileExistsError(f"{out} exists (distilled earlier, perhaps the shipped one); pass --replace to "
                              "overwrite it, or --out FILE to write another file")


def _run_distill(args) -> int:
    import torch

    from lecun_agent.actor.actor import ActorSettings, load_actor, policy_path
    from lecun_agent.actor.policy import save_policy
    from lecun_agent.learning.mode1 import distill_mode1

    if args.episodes <= 0 or args.steps <= 0:
        raise ValueError("--episodes and --steps must be positive")
    torch.set_num_threads(1)
    out = args.out or policy_path(ActorSettings(), args.checkpoint)
    _check_distilled_output(out, args.replace)
    # mode 2 alone: the policy learns the planner, not itself; so a mode1.pt beside the checkpoint is never loaded,
    # and one a resumed run made stale does not stop the distillation that replaces it (QA, 2026-12-08)
    actor = load_actor(args.checkpoint, {"policy_file": "none"})
    policy, info = distill_mode1(actor, range(args.seed_start, args.seed_start + args.episodes), args.steps)
    save_policy(out, policy, actor.model, info)
    print(f"wrote {out}: {info['pairs']} planner choices from {info['episodes']} episodes (planner success "
          f"{info['planner_success_rate']:.0%}); behaviour-cloning MSE train {info['train_mse_box']:.4f}, "
          f"held out {info['heldout_mse_box']:.4f} (box units^2)")
    return 0


HEADS_SEED_START = 2000  # heads distillation seeds: apart from eval's 0-19 and mode 1's 1000-


def _add_search_model(sub, name: str, what: str, file_name: str, help_text: str, run) -> None:
    """A command that fits a search model (a stand-in the planner searches with) on the planner's latents."""
    p = sub.add_parser(name, help=f"{help_text}, on latents the planner meets in seeded goal episodes; writes "
                       f"{file_name} next to the world model, where actor_node looks for it")
    # 90 episodes (about 9,000 latents): on 80 in-process seeds the search heads fitted on 30 walked into a block
    # and fell once, those fitted on 90 did not (docs/actor.md, "Search heads")
    _add_planner_episodes(p, HEADS_SEED_START,
                          "first seed (eval uses 0-19, mode-1 distillation 1000-; keep them apart)", episodes=90)
    p.add_argument("--hidden", type=positive_int, default=128, help=f"hidden width of the {what}")
    p.add_argument("--steps", type=positive_int, default=12000, help="optimiser steps")
    p.add_argument("--out", type=Path, default=None, help=f"{what} file; default <checkpoint>/{file_name}")
    _add_replace(p, what)
    p.set_defaults(func=run)


def _fit_search_model(args, fit, save, default_path) -> tuple[Path, dict]:
    """Collect the latents with a planner on member 0 and the world model's own heads (earlier search models
    must not shape them), with mode 1's proposals when the policy beside the checkpoint belongs to the world
    model, fit, save -> (file, info)."""
    import functools

    import torch

    from lecun_agent.actor.actor import ActorSettings, load_actor
    from lecun_agent.learning.planner_latents import fit_on_planner_latents

    if args.episodes <= 0 or args.steps <= 0 or args.hidden <= 0:
        raise ValueError("--episodes, --steps and --hidden must be positive")
    torch.set_num_threads(1)
    out = args.out or default_path(ActorSettings(), args.checkpoint)
    _check_distilled_output(out, args.replace)
    actor = load_actor(args.checkpoint, {"heads_file": "none", "dynamics_file": "none",
                                         "policy_file": _policy_if_it_loads(args.checkpoint, args.command)})
    net, info = fit_on_planner_latents(actor, range(args.seed_start, args.seed_start + args.episodes),
                                       functools.partial(fit, hidden=args.hidden, steps=args.steps))
    save(out, net, actor.model, info)
    return out, info


def _policy_if_it_loads(checkpoint: str, command: str) -> str:
    """The `policy_file` setting for collecting a search model's latents: '' (mode1.pt beside the checkpoint,
    when there is one) if it loads with the world model, else 'none', saying so. After `train --resume` it
    belongs to the earlier weights until `distill` remakes it, which comes after this command."""
    from lecun_agent.actor.actor import ActorSettings, mode1_policy
    from lecun_agent.world_model.checkpoint import load_checkpoint

    try:
        mode1_policy(ActorSettings(), checkpoint, load_checkpoint(checkpoint or None)[0])
    except ValueError as err:
        print(f"lecun-agent {command}: planning without the mode-1 policy, which does not load: {err}",
              file=sys.stderr)
        return "none"
    return ""


def add_distill_heads(sub) -> None:
    _add_search_model(sub, "distill-heads", "search heads", "planning_heads.pt",
                      "distil the search heads the planner scores its samples with (one small MLP for the world "
                      "model's feature heads and its planning head's twist and contact)", _run_distill_heads)


def _run_distill_heads(args) -> int:
    from lecun_agent.actor.actor import heads_path
    from lecun_agent.actor.feature_heads import distill_feature_heads, save_feature_heads

    out, info = _fit_search_model(args, distill_feature_heads, save_feature_heads, heads_path)
    r2 = ", ".join(f"{k} {v:.3f}" for k, v in info["heldout_r2"].items())
    print(f"wrote {out}: hidden {info['hidden']}, {info['latents']} latents from {info['episodes']} episodes "
          f"(planner success {info['planner_success_rate']:.0%}); held-out R^2 {r2}; contact agreement "
          f"{info['heldout_contact_agreement']:.1%}")
    return 0


def add_distill_dynamics(sub) -> None:
    _add_search_model(sub, "distill-dynamics", "search dynamics", "planning_dynamics.pt",
                      "distil the search dynamics the planner can roll its samples out with (a ReLU MLP standing in "
                      "for ensemble member 0; the final check still runs the whole ensemble)", _run_distill_dynamics)


def _run_distill_dynamics(args) -> int:
    from lecun_agent.actor.actor import dynamics_path
    from lecun_agent.actor.search_dynamics import distill_search_dynamics, save_search_dynamics

    out, info = _fit_search_model(args, distill_search_dynamics, save_search_dynamics, dynamics_path)
    err, other = info["heldout_rms_by_step"], info.get("heldout_member1_rms_by_step")
    print(f"wrote {out}: hidden {info['hidden']}, {info['latents']} latents from {info['episodes']} episodes "
          f"(planner success {info['planner_success_rate']:.0%}); held-out rms error against member 0 at the "
          f"first / last step, in latent spreads: {err[0]} / {err[-1]}"
          + (f" (member 1's: {other[0]} / {other[-1]})" if other else "")
          + f"; contact agreement {info['heldout_contact_agreement']:.1%}")
    return 0


def add_select(sub) -> None:
    from lecun_agent.learning.select_checkpoint import SELECT_SEED_START

    p = sub.add_parser("select", help="rank trained checkpoints (each with its distilled heads and mode 1) by the "
                       "full agent's goal episodes on validation seeds: fewest falls, then fewest touches among "
                       "those that reach about as many goals")
    p.add_argument("checkpoints", nargs="+", help="checkpoint directories (the shipped one is "
                   "lecun_agent/checkpoints/default)")
    p.add_argument("--episodes", type=positive_int, default=100,
                   help="validation goal episodes per checkpoint (one seed each)")
    p.add_argument("--seed-start", type=non_negative_int, default=SELECT_SEED_START,
                   help="first validation seed (eval uses 0-19, mode 1 1000-, the search heads 2000-; keep them apart)")
    p.add_argument("--workers", type=positive_int, default=1, help="parallel episode processes")
    p.add_argument("--goal-slack", type=non_negative_int, default=2,
                   help="goals a candidate may reach fewer than the best and still win on touches")
    p.add_argument("--json", type=Path, default=None, help="write every episode's row and the ranking here")
    p.set_defaults(func=_run_select)


def _run_select(args) -> int:
    from lecun_agent.learning.select_checkpoint import as_json, select_checkpoint

    if args.episodes <= 0:
        raise ValueError("--episodes must be positive")
    if args.json is not None:
        check_output_file(args.json, "--json")
        refuse_earlier_results([args.json], "--json")
    seeds = list(range(args.seed_start, args.seed_start + args.episodes))

    def on_row(checkpoint: str, row: dict) -> None:
        print(f"{checkpoint} seed {row['seed']}: {row['ended_by']} at {row['sim_seconds']:.1f} s, "
              f"{row['collisions']} touches, {row['falls']} falls", flush=True)

    scores, wall_s = select_checkpoint(args.checkpoints, seeds, args.workers, args.goal_slack, on_row)
    print(f"seeds {seeds[0]}-{seeds[-1]}, best first ({wall_s:.0f} s):")
    for rank, s in enumerate(scores, 1):
        print(f"{rank}. {s.line()}")
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(as_json(scores, seeds, args.goal_slack, wall_s), indent=2) + "\n")
        print(f"wrote {args.json}")
    print(f"selected: {scores[0].checkpoint}")
    return 0
