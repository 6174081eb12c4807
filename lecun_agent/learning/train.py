"""`lecun-agent train` core: fit the world model on a dataset directory.

Seeded and deterministic on CPU (same data + seed + thread count -> same weights), stops on a
step count or a wall-clock budget, writes metrics.csv and checkpoints, resumes from train_state.pt.
Ctrl-C and SIGTERM save at the step reached before they end the run.

Multi-process: launched by `torchrun --nproc_per_node N -m lecun_agent.cli train ...` every rank
draws its own window stream (seed, rank) and the gradients are averaged with all_reduce over the
gloo backend before each optimiser step, which is what DDP does; only rank 0 writes files.
"""

from __future__ import annotations

import csv
import dataclasses
import logging
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
from tqdm import tqdm

from lecun_agent.dataset.format import SPEC_FILE, same_step
from lecun_agent.dataset.windows import EpisodeSet, WindowSampler, load_episodes
from lecun_agent.learning.baselines import fit_contact_baseline, save_baseline
from lecun_agent.learning.losses import world_model_loss
from lecun_agent.learning.seeds import seed_ranges
from lecun_agent.paths import unused_path
from lecun_agent.world_model.checkpoint import (
    CHECKPOINT_FORMAT,
    CheckpointError,
    load_checkpoint,
    load_torch_file,
    save_checkpoint,
)
from lecun_agent.world_model.checkpoint_meta import META_FILE, read_meta
from lecun_agent.world_model.config import TERM_HEADS, WorldModelConfig
from lecun_agent.world_model.model import WorldModel

log = logging.getLogger(__name__)
TRAIN_STATE = "train_state.pt"


class Interrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM stopped training; the run was saved at `step` and resumes from there. `how` says which
    ("interrupted", "terminated (SIGTERM)"), `exit_code` is the shell's for it (128 + the signal)."""

    def __init__(self, step: int, sigterm: bool = False):
        self.how = "terminated (SIGTERM)" if sigterm else "interrupted"
        super().__init__(f"{self.how} at step {step}")
        self.step = step
        self.exit_code = 128 + (signal.SIGTERM if sigterm else signal.SIGINT)


@dataclass
class TrainConfig:
    steps: int = 20000  # upper bound; the time budget usually ends the run first
    minutes: float | None = None  # wall-clock budget of this invocation
    # Compute budget of this invocation in minutes of `threads` busy cores (process CPU time /
    # threads): the same budget as `minutes` on a machine the run has to itself, and a fair one on a
    # shared machine, where other jobs slow the wall clock down.
    cpu_minutes: float | None = None
    batch_size: int = 32
    lr: float = 1e-3
    weight_decay: float = 1e-5
    grad_clip: float = 10.0
    seed: int = 0
    # torch intra-op threads; 0 keeps torch's default (all cores). None: one for a new run, and the
    # run's own count when resuming, so that the resumed weights are those of an uninterrupted run.
    # One by default: torch's threads spin at every parallel region's barrier, and with a busy
    # process on one of the cores a two-thread step runs at 0.05-0.2x its speed; one thread keeps
    # 0.7x of it either way (benchmarks/bench_train_threads.py, docs/world_model.md "Threads").
    threads: int | None = None
    ckpt_every: int = 500
    log_every: int = 25
    max_transitions: int | None = None


def fit_normalisers(model: WorldModel, data: EpisodeSet) -> None:
    """Set the model's input/output normalisers from the training set (finite steps only)."""
    ok = data.finite
    model.encoder.set_proprio_stats(
        torch.from_numpy(data.proprio[ok].mean(0)), torch.from_numpy(data.proprio[ok].std(0))
    )
    feats = model.flatten_features({n: torch.from_numpy(v[ok]) for n, v in data.features.items()})  # (N, F)
    model.feature_mean.copy_(feats.mean(0))
    model.feature_std.copy_(feats.std(0).clamp_min(1e-3))
    terms = np.stack([data.terms[n][ok] for n in TERM_HEADS], 1)  # (N, T)
    model.term_mean.copy_(torch.from_numpy(terms.mean(0)))
    model.term_std.copy_(torch.from_numpy(terms.std(0)).clamp_min(1e-3))
    model.cfg.step_dt = float(data.spec.step_dt)
    model.cost_scale.fill_(float(max(np.abs(data.cost[ok]).mean(), 1e-3)))
    high = np.maximum(np.abs(data.spec.action_low), np.abs(data.spec.action_high))
    model.action_scale.copy_(torch.tensor(high, dtype=torch.float32).clamp_min(1e-3))


def train_step(
    model: WorldModel, opt: torch.optim.Optimizer, batch: dict[str, torch.Tensor], cfg: TrainConfig
) -> dict[str, float]:
    """One optimiser step on one batch -> metrics. Averages gradients over ranks when distributed."""
    model.train()
    loss, metrics = world_model_loss(model, batch)
    if not torch.isfinite(loss):
        raise FloatingPointError(f"non-finite loss {metrics}; lower the learning rate or check the data")
    opt.zero_grad(set_to_none=True)
    loss.backward()
    if dist.is_available() and dist.is_initialized():
        for p in model.parameters():
            if p.grad is not None:
                dist.all_reduce(p.grad)
                p.grad /= dist.get_world_size()
    metrics["grad_norm"] = float(torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip))
    opt.step()
    return metrics


def _distributed() -> tuple[int, int]:
    """Join the torchrun process group when launched by torchrun -> (rank, world size)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("gloo")
    return (dist.get_rank(), world) if world > 1 else (0, 1)


def _should_stop(deadline: float | None, cpu_deadline: float | None, world: int, terminated: list) -> bool:
    late = bool(terminated) or (deadline is not None and time.monotonic() >= deadline) or (
        cpu_deadline is not None and time.process_time() >= cpu_deadline
    )
    stop = torch.tensor([late], dtype=torch.int32)
    if world > 1:
        dist.broadcast(stop, src=0)  # rank 0's clock decides, so every rank takes the same steps
    return bool(stop.item())


def train(
    data_dir: Path | str,
    out_dir: Path | str,
    cfg: TrainConfig | None = None,
    model_cfg: WorldModelConfig | None = None,
    resume: bool = False,
) -> dict[str, Any]:
    """Train (or resume) and return a summary: the run's {steps, samples, seconds, cpu_seconds}, across resumes,
    this invocation's {steps_this_run, samples_per_s_this_run}, and the last step's metrics."""
    cfg, out_dir = cfg or TrainConfig(), Path(out_dir)
    entered, entered_cpu = time.monotonic(), time.process_time()
    rank, world = _distributed()
    if cfg.threads is not None and cfg.threads < 0:
        raise ValueError(f"threads must be 0 (torch's choice) or more, got {cfg.threads}")
    if resume and not (out_dir / TRAIN_STATE).exists():
        raise FileNotFoundError(f"nothing to resume in {out_dir}: no {TRAIN_STATE}")
    if not resume and (out_dir / META_FILE).exists():  # forgetting --resume must not throw a run away
        raise FileExistsError(
            f"{out_dir} already holds a checkpoint trained {_trained_steps(out_dir)} steps ({META_FILE}); "
            "a new run would replace it: continue it with --resume, or train into another --out"
        )
    torch.manual_seed(cfg.seed)
    torch.use_deterministic_algorithms(True)
    data = load_episodes(data_dir, cfg.max_transitions)
    log.info("loaded %d steps in %d episodes from %s", len(data), data.num_episodes, data_dir)

    if resume:
        model, _, meta = load_checkpoint(out_dir, expect_spec=data.spec)
        if meta["format"] != CHECKPOINT_FORMAT:  # its optimizer state holds parameters this model lacks
            raise CheckpointError(
                f"{out_dir}: cannot resume a format {meta['format']} run with this code "
                f"(format {CHECKPOINT_FORMAT}); start a new run in another directory"
            )
        if not same_step(data.spec.step_dt, model.cfg.step_dt):  # its dynamics would learn two rates at once
            raise CheckpointError(
                f"{Path(data_dir) / SPEC_FILE}: steps of {data.spec.step_dt} s, but {out_dir} was trained on steps "
                f"of {model.cfg.step_dt} s: resume it on data of its own step length"
            )
        model.train()
        _warn_what_a_resume_changes(out_dir, meta, data)
        state = load_torch_file(out_dir / TRAIN_STATE)
        cfg = _use_threads(cfg, state.get("threads"))
    else:
        model, state = WorldModel(model_cfg or WorldModelConfig()), None
        cfg = _use_threads(cfg, None)
        fit_normalisers(model, data)
    mcfg = model.cfg
    # before anything is written: data too short for one window is said so here, not by the baseline's numpy,
    # and leaves no empty OUT behind (QA, 2026-12-08)
    sampler = WindowSampler(data, mcfg.horizon, cfg.batch_size, cfg.seed, rank)
    if not resume and rank == 0:  # the no-camera contact baseline eval-model compares against
        fit_start, fit_cpu = time.monotonic(), time.process_time()
        out_dir.mkdir(parents=True, exist_ok=True)
        baseline = fit_contact_baseline(data, mcfg.horizon, mcfg.contact_n, cfg.seed)
        save_baseline(out_dir, baseline)
        entered += time.monotonic() - fit_start  # evaluation's baseline, not model training
        entered_cpu += time.process_time() - fit_cpu
        log.info("no-camera contact baseline fitted in %.1f s", time.monotonic() - fit_start)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    step, samples, seconds, cpu_seconds = 0, 0, 0.0, 0.0
    if state is not None:
        opt.load_state_dict(state["optimizer"])
        sampler.set_state(state["sampler"][rank] if rank < len(state["sampler"]) else state["sampler"][0])
        torch.set_rng_state(state["torch_rng"])
        step, samples, seconds = int(state["step"]), int(state["samples"]), float(state["seconds"])
        cpu_seconds = float(state.get("cpu_seconds", 0.0))
        log.info("resumed at step %d", step)
        if step >= cfg.steps:
            log.warning("the run is at step %d already, and --steps %d is where it stops: nothing to train (to go on, "
                        "give a larger --steps)", step, cfg.steps)
        # Re-reading the data is not training an uninterrupted run would do.
        entered, entered_cpu = time.monotonic(), time.process_time()
    # A fresh run's loading and normalisers count as training time.
    seconds += time.monotonic() - entered
    cpu_seconds += time.process_time() - entered_cpu
    deadline = entered + 60.0 * cfg.minutes if cfg.minutes else None
    cpu_deadline = entered_cpu + 60.0 * cfg.cpu_minutes * cfg.threads if cfg.cpu_minutes else None

    clock = _Clock(seconds, cpu_seconds)
    with _sigterm_stops() as terminated:
        return _loop(model, opt, sampler, data, out_dir, cfg, rank, world, step, samples, clock,
                     (deadline, cpu_deadline), terminated)


def _warn_what_a_resume_changes(out_dir: Path, meta: dict, data: EpisodeSet) -> None:
    """Say before training what a resume makes stale, rather than at the next `sim`: the files distilled from the
    weights it continues, which the actor then refuses, and the bit-for-bit promise when the data changed."""
    from lecun_agent.actor.actor import POLICY_FILE
    from lecun_agent.actor.feature_heads import HEADS_FILE
    from lecun_agent.actor.search_dynamics import DYNAMICS_FILE

    distilled = [name for name in (HEADS_FILE, DYNAMICS_FILE, POLICY_FILE) if (out_dir / name).exists()]
    if distilled:
        log.warning("%s in %s were distilled from the weights this run goes on training: the actor refuses them "
                    "once it is done; run distill-heads, distill-dynamics and distill again, with --replace", distilled,
                    out_dir)
    before = meta.get("train", {})
    if (before.get("transitions"), before.get("episodes")) != (len(data), data.num_episodes):
        log.warning("the data changed since the run was saved (%s steps in %s episodes, now %d in %d): the weights "
                    "will not be bit for bit those of an uninterrupted run", before.get("transitions"),
                    before.get("episodes"), len(data), data.num_episodes)


def _trained_steps(ckpt_dir: Path) -> str:
    """The step count a checkpoint's meta.json records, '?' when it does not say."""
    try:
        return str(read_meta(ckpt_dir)["train"]["steps"])
    except (CheckpointError, KeyError, TypeError):
        return "?"


def _use_threads(cfg: TrainConfig, run_threads: int | None) -> TrainConfig:
    """Set torch's thread count -> cfg with the count in use; `run_threads` is a resumed run's own."""
    if cfg.threads is None:
        threads = run_threads or 1
    elif cfg.threads == 0:
        threads = torch.get_num_threads()
    else:
        threads = cfg.threads
    if run_threads and threads != run_threads:
        log.warning("resuming a %d-thread run on %d threads: the weights will not be bit for bit those of an "
                    "uninterrupted run", run_threads, threads)
    torch.set_num_threads(threads)
    return dataclasses.replace(cfg, threads=threads)


class _Clock:
    """Training time so far, wall and process CPU, carried across resumed runs."""

    def __init__(self, seconds: float, cpu_seconds: float):
        self.base, self.cpu_base = seconds, cpu_seconds
        self.start, self.cpu_start = time.monotonic(), time.process_time()

    def wall(self) -> float:
        return self.base + time.monotonic() - self.start

    def cpu(self) -> float:
        return self.cpu_base + time.process_time() - self.cpu_start


def _loop(
    model, opt, sampler, data, out_dir, cfg, rank, world, step, samples, clock, deadlines, terminated: list
) -> dict[str, Any]:
    """Train until the step count, a budget or SIGTERM (`terminated` gets the signal: Interrupted once saved), or
    Ctrl-C (Interrupted once saved)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    start, start_step = time.monotonic(), step
    csv_path = out_dir / "metrics.csv"
    if rank == 0:
        _set_aside_unsaved_rows(csv_path, step)
    writer, fh, metrics = None, None, {}
    bar = tqdm(total=cfg.steps, initial=step, desc="train", disable=rank != 0, dynamic_ncols=True)
    try:
        while step < cfg.steps and not _should_stop(*deadlines, world, terminated):
            metrics = train_step(model, opt, sampler.sample(), cfg)
            step, samples = step + 1, samples + cfg.batch_size * world
            bar.update(1)
            if rank == 0 and (step % cfg.log_every == 0 or step == cfg.steps):
                row = {
                    "step": step,
                    "samples": samples,
                    "seconds": round(clock.wall(), 2),
                    "cpu_seconds": round(clock.cpu(), 2),
                    **{k: round(v, 6) for k, v in metrics.items()},
                }
                if writer is None:
                    new = not csv_path.exists()
                    fh = csv_path.open("a", newline="")
                    writer = csv.DictWriter(fh, fieldnames=list(row))
                    if new:
                        writer.writeheader()
                writer.writerow(row)
                fh.flush()
                bar.set_postfix(loss=f"{metrics['loss']:.3f}", cons=f"{metrics['consistency']:.3f}")
            if rank == 0 and step % cfg.ckpt_every == 0:
                _save(out_dir, model, opt, sampler, data, cfg, step, samples, clock)
    except KeyboardInterrupt:
        if rank == 0:  # keep the steps since the last checkpoint, resumable
            _save(out_dir, model, opt, sampler, data, cfg, step, samples, clock)
        raise Interrupted(step) from None
    finally:
        bar.close()
        if fh is not None:
            fh.close()
    if rank == 0:
        _save(out_dir, model, opt, sampler, data, cfg, step, samples, clock)
    if terminated:
        raise Interrupted(step, sigterm=True)
    run_seconds = time.monotonic() - start
    return {
        "steps": step,
        "samples": samples,
        "seconds": clock.wall(),
        "cpu_seconds": clock.cpu(),
        "metrics": metrics,
        "steps_this_run": step - start_step,
        "samples_per_s_this_run": cfg.batch_size * world * (step - start_step) / max(run_seconds, 1e-9),
    }


@contextmanager
def _sigterm_stops() -> Iterator[list]:
    """While training, SIGTERM (what `timeout`, systemd and Slurm send) ends the loop after the step under way,
    which then saves as at its end: the list yielded gets the signal. Under torchrun rank 0's decides
    (_should_stop). Outside the main thread (no signal handlers there) SIGTERM stays as it was."""
    terminated: list = []
    if threading.current_thread() is not threading.main_thread():
        yield terminated
        return
    before = signal.signal(signal.SIGTERM, lambda signum, frame: terminated.append(signum))
    try:
        yield terminated
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL if before is None else before)


def _set_aside_unsaved_rows(csv_path: Path, saved_step: int) -> None:
    """Rows of metrics.csv past the step this run starts from belong to a run killed before it saved them: the
    weights they describe are gone, and this run trains those steps again. They move to metrics.unsaved.csv
    (.1, .2, ... beside an earlier one), so the curve neither runs backwards nor repeats a step, and nothing
    is deleted. (A fresh run after a killed one used to append to its rows: steps 25, 50, 75, then 20.)"""
    if not csv_path.exists():
        return
    with csv_path.open(newline="") as f:
        reader = csv.DictReader(f)
        rows, fields = list(reader), reader.fieldnames or []

    def saved(row: dict) -> bool:
        try:
            return int(row["step"]) <= saved_step
        except (KeyError, TypeError, ValueError):  # a row cut off by the kill
            return False

    later = [row for row in rows if not saved(row)]
    if not later:
        return
    aside = unused_path(csv_path.with_name("metrics.unsaved.csv"))
    for path, keep in ((aside, later), (csv_path, [row for row in rows if saved(row)])):
        if not keep:  # a fresh run: it writes its own header
            path.unlink()
            continue
        tmp = path.with_name(path.name + ".tmp")
        with tmp.open("w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(keep)
        os.replace(tmp, path)
    log.warning("%d rows of %s come after step %d, where this run starts (a run killed before it saved them): "
                "moved to %s", len(later), csv_path, saved_step, aside)


def _save(out_dir, model, opt, sampler, data, cfg, step, samples, clock: _Clock) -> None:
    seconds, cpu_seconds = clock.wall(), clock.cpu()
    train_meta = {
        "steps": step,
        "samples": samples,
        "seconds": round(seconds, 1),
        "cpu_seconds": round(cpu_seconds, 1),  # process CPU time, all threads
        "transitions": len(data),
        "episodes": data.num_episodes,
        "seeds": seed_ranges(data.seeds),  # eval-model refuses episodes with these seeds
        "recordings": sorted({r for r in data.recordings if r}),  # and episodes converted from these (sha256)
        "train_config": dataclasses.asdict(cfg),
    }
    save_checkpoint(out_dir, model, data.spec, train_meta)
    state = {
        "optimizer": opt.state_dict(),
        "sampler": [sampler.state()],
        "torch_rng": torch.get_rng_state(),
        "step": step,
        "samples": samples,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "threads": cfg.threads,
    }
    torch.save(state, out_dir / (TRAIN_STATE + ".tmp"))
    (out_dir / (TRAIN_STATE + ".tmp")).replace(out_dir / TRAIN_STATE)
