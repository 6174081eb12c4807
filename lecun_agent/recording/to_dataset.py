"""MCAP recording of the stack's topics -> the world-model dataset (lecun_agent/dataset/format.py).

One dataset step per camera frame (optionally thinned to `step_dt`). At each frame the newest
joint, IMU, odometry and contact messages become one `Readings`, which gives the proprioception
(`proprio_from_readings`), the measured cost features (`features_from_readings`) and the
intrinsic cost terms, exactly as the in-process collector computes them; `base_velocity` is the
mean of the odometry twists since the previous kept frame (`StepMean`), and `contact_max` the
largest summed body-contact force since then (`StepMax`), as in the collector.
The action of step t is the newest /cmd_vel received before frame t+1: the command the robot
executed between the frames. Steps before the first /cmd_vel (a recorder hears the sensors before the
first command) have no known action and are dropped, counted as `unlabelled_steps`.

Episode boundaries: sim time going backwards (a reset), a gap of more than `max_gap_steps` steps,
a step with NaN/Inf readings (logged and skipped), and the end of the file. A segment ending
with the body tilted past the fall angle is marked `terminated`.

Each episode stores the recording it came from (`source_file`, `source_sha256` of the MCAP file's
bytes, `source_namespace`), so converting the same recording into the same dataset again is
refused before anything is written, as `collect` refuses a seed already there.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from lecun_agent.body.readings import tilt_of
from lecun_agent.cost.features import base_twist, features_from_readings
from lecun_agent.cost.total import IntrinsicCost, TermSettings
from lecun_agent.dataset.format import (
    SPEC_FILE,
    DatasetSpec,
    episode_path,
    list_episodes,
    next_free_index,
    read_spec,
    write_episode,
    write_spec,
)
from lecun_agent.dataset.step_mean import StepMax, StepMean
from lecun_agent.messages.conversions import readings_from_msgs, rgb_from_image, stamp_to_sec, twist_vector
from lecun_agent.paths import MODEL_FILE
from lecun_agent.perception.proprio import proprio_from_readings
from lecun_agent.recording.bag import BagReader
from lecun_agent.recording.topics import CONTRACT_TOPICS, CONVERT_REQUIRED, resolve
from lecun_agent.world_model.checkpoint_meta import META_FILE

log = logging.getLogger(__name__)
# The summary's counts of camera frames that did not become a step, by reason (with `steps` they add up to `frames`).
NOT_STEPS = {
    "before_readings": "before the first joint_states and imu/data",
    "thinned": "thinned out to the step length",
    "skipped_frames": "undecodable",
    "skipped_nonfinite": "with non-finite readings",
    "unlabelled_steps": "before the first command",
    "short_fragments": "in fragments too short for an episode",
}
OPTIONAL = ("odom", "foot_contacts", "body_contacts")  # absent on some real robots: zeros / imu-only


@dataclass
class _Segment:
    """The steps of one episode being assembled."""

    rows: list[dict[str, Any]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.rows)


def _resize(rgb: np.ndarray, shape: tuple[int, int, int]) -> np.ndarray:
    if rgb.shape == tuple(shape):
        return rgb
    import cv2  # only when the camera does not already deliver the model's size

    return cv2.resize(rgb, (shape[1], shape[0]), interpolation=cv2.INTER_AREA)


class BagConverter:
    """Streams one recording and cuts it into dataset episodes."""

    def __init__(self, spec: DatasetSpec, cost: IntrinsicCost, max_gap_steps: float = 5.0) -> None:
        self.spec, self.cost, self.max_gap_steps = spec, cost, max_gap_steps
        self.skipped_nonfinite = 0
        self.skipped_frames = 0

    def step_row(
        self, image, latest: dict[str, Any], step_twist: StepMean, step_contact: StepMax | None = None
    ) -> dict[str, Any] | None:
        """One dataset step from a camera frame and the newest other messages, or None to skip it."""
        try:
            rgb = _resize(rgb_from_image(image), self.spec.image_shape)
            readings = readings_from_msgs(
                latest["joint_states"],
                latest["imu/data"],
                latest.get("odom"),
                latest.get("foot_contacts"),
                latest.get("body_contacts"),
            )
        except ValueError as err:  # wrong encoding/size, joints missing: a logged skip, not a crash
            self.skipped_frames += 1
            log.warning("skipping frame at %.3f s: %s", stamp_to_sec(image.header.stamp), err)
            return None
        # The odometry twists received since the last kept frame: the step's mean motion.
        features = features_from_readings(readings, base_velocity=step_twist.take(base_twist(readings)))
        data = self.cost.evaluate(features)
        contact = readings.body_contact_force
        row = {
            "images": rgb,
            "proprio": proprio_from_readings(readings),
            "contact_max": step_contact.take(contact) if step_contact is not None else contact,
            "stamp": stamp_to_sec(image.header.stamp),
            "cost": float(data.costs),
            "tilt": tilt_of(readings.imu_quat),
        }
        row.update({f"feat_{n}": features[n].numpy() for n in self.spec.features})
        row.update({f"cost_{n}": float(v) for n, v in data.weighted.items()})
        finite = all(np.isfinite(np.asarray(v, dtype=float)).all() for k, v in row.items() if k != "images")
        if not finite:
            self.skipped_nonfinite += 1
            log.warning("skipping step at %.3f s: NaN/Inf in readings (episode split here)", row["stamp"])
            return None
        return row

    @staticmethod
    def command_indices(rows: list[dict[str, Any]], commands: list[tuple[float, np.ndarray]]) -> np.ndarray:
        """For each row, the index in the command timeline (time, (3,)) of its action, the newest command before
        the next frame; -1 where no command came before it (the recorder had not yet heard one)."""
        times = np.array([t for t, _ in commands]) if commands else np.zeros(0)
        until = [r["log_time"] for r in rows[1:]] + [np.inf] * bool(rows)
        return np.searchsorted(times, until, side="left") - 1

    def episode(self, rows: list[dict[str, Any]], commands: list[tuple[float, np.ndarray]]) -> dict[str, np.ndarray]:
        """Stack rows that each have a command (`command_indices` >= 0) into an episode."""
        actions = np.stack([commands[k][1] for k in self.command_indices(rows, commands)]).astype(np.float32)
        ep = {key: np.stack([r[key] for r in rows]) for key in rows[0] if key not in ("tilt", "log_time")}
        ep = {
            k: v.astype(np.float64 if k == "stamp" else (np.uint8 if k == "images" else np.float32))
            for k, v in ep.items()
        }
        ep["actions"] = np.clip(actions, self.spec.action_low, self.spec.action_high).astype(np.float32)
        ep["terminated"] = np.array(rows[-1]["tilt"] > self.cost.settings.fall_tilt)
        ep["seed"] = np.array(-1, dtype=np.int64)
        return ep


def _converted_from(data_dir: Path, sha256: str, namespace: str) -> list[Path]:
    """The episodes in data_dir converted from the recording with this digest, read in this namespace."""
    found = []
    for path in list_episodes(data_dir):
        try:
            with np.load(path, allow_pickle=False) as z:
                source = (str(z["source_sha256"]), str(z["source_namespace"])) if "source_sha256" in z.files else None
        except Exception as err:  # a damaged episode raises many types (zipfile, zlib, numpy); training skips it too
            log.warning("cannot read %s to check where it came from: %s", path, err)
            continue
        if source == (sha256, namespace):
            found.append(path)
    return found


def _frames_per_step(step_dt: float, period: float) -> int | None:
    """How many camera frames a step of `step_dt` spans (1, 2, 3 ...), or None when it is not a whole number."""
    frames = round(step_dt / period)
    return frames if frames >= 1 and abs(step_dt / period - frames) <= 0.05 else None


def _camera_period(reader: BagReader, camera: str, expect: dict[str, str]) -> float:
    """The camera's period by its own clock: the median gap between frame stamps. Not by log time, which is the
    recorder's receive time: wall time in a lock-step recording without sim time (about 0.105 s per 0.1 s frame
    on a loaded machine), jittered on a robot. With steps a little longer than the frames, thinning dropped
    every other frame and labelled the 0.2 s steps 0.105 s."""
    stamps = np.array([stamp_to_sec(m.message.header.stamp) for m in reader.raw([camera], expect)])
    gaps = np.diff(stamps)
    gaps = gaps[gaps > 0]  # a reset sends the clock back
    return float(np.median(gaps)) if len(gaps) else 0.1


def convert_bag(
    bag: Path | str,
    out_dir: Path | str,
    namespace: str = "",
    step_dt: float | None = None,
    max_gap_steps: float = 5.0,
    min_steps: int = 2,
) -> dict[str, Any]:
    """Convert one MCAP file; appends episodes to `out_dir`. -> summary counts.

    Raises MissingTopicsError naming the required topics the recording lacks, another
    RecordingError (a ValueError) if a topic was recorded with another type than the contract's,
    and ValueError if `out_dir` already holds episodes converted from this recording (same bytes,
    same namespace) or holds a world-model checkpoint.
    """
    checkpoint = [name for name in (MODEL_FILE, META_FILE) if (Path(out_dir) / name).exists()]
    if checkpoint:  # it wrote spec.json and episodes beside a model's weights (QA, 2026-12-08)
        raise ValueError(f"{out_dir} holds a world-model checkpoint ({', '.join(checkpoint)}), not a dataset: "
                         "convert into a directory of its own")
    reader = BagReader(bag)
    with open(reader.path, "rb") as f:
        sha256 = hashlib.file_digest(f, "sha256").hexdigest()
    already = _converted_from(Path(out_dir), sha256, namespace)
    if already:
        read_as = f"sha256 {sha256[:12]}" + (f", namespace {namespace!r}" if namespace else "")
        raise ValueError(f"{bag} ({read_as}) was converted into {out_dir} already: {[p.name for p in already]}; "
                         "converting it again would duplicate them (delete those episodes first to convert it anew)")
    names = {resolve(t, namespace): t for t in (*CONVERT_REQUIRED, *OPTIONAL)}
    expect = {topic: CONTRACT_TOPICS[name] for topic, name in names.items()}  # read as these types only
    reader.require(resolve(t, namespace) for t in CONVERT_REQUIRED)
    reader.check_types(expect)
    for topic in OPTIONAL:
        if reader.message_counts.get(resolve(topic, namespace), 0) == 0:
            log.warning("%s has no %s; the dataset holds zeros for it", bag, resolve(topic, namespace))
    period = _camera_period(reader, resolve("camera/image_raw", namespace), expect)
    if step_dt is None and (Path(out_dir) / SPEC_FILE).exists():  # say how to fit the dataset's step, if it can
        wanted = read_spec(Path(out_dir)).step_dt
        frames = _frames_per_step(wanted, period)
        if frames is not None and frames > 1:
            raise ValueError(f"{Path(out_dir) / SPEC_FILE} holds steps of {wanted} s and {bag}'s camera gives a frame "
                             f"every {period:.4g} s: convert with --step {wanted} (one frame in {frames}), or into "
                             "another directory")
    if step_dt is not None and _frames_per_step(step_dt, period) is None:
        raise ValueError(f"a step of {step_dt} s is not a whole number of camera periods ({period:.4g} s in {bag}): "
                         "a step holds 1, 2, 3 ... frames")
    spec = DatasetSpec(
        step_dt=step_dt or round(period, 4),
        source=f"mcap:{Path(bag).name}",
        cost_terms=list(IntrinsicCost().term_names),
    )
    if (Path(out_dir) / SPEC_FILE).exists():
        write_spec(Path(out_dir), spec)  # only checks that it agrees, before anything is converted
    # A new directory gets its spec.json (which fixes its step length) with its first episode: a conversion that
    # yields none left a directory holding only a spec.json, rc 0 (QA, 2026-12-08).
    converter = BagConverter(spec, IntrinsicCost(settings=TermSettings()), max_gap_steps)
    first_index = next_free_index(Path(out_dir))  # after every episode there, so none is replaced
    written, steps, unlabelled, short_fragments = 0, 0, 0, 0
    frames, before_readings, thinned = 0, 0, 0
    segment, commands, latest, step_twist, step_contact = _Segment(), [], {}, StepMean(), StepMax()
    last_kept = -np.inf

    def flush() -> None:
        nonlocal segment, written, steps, unlabelled, short_fragments
        # the leading rows (the log is in time order) that no command came before: a zero action would be a wrong label
        unknown = int((converter.command_indices(segment.rows, commands) < 0).sum())
        if unknown:
            log.warning("dropping %d steps from %.3f s: no %s came before them, so their action is unknown",
                        unknown, segment.rows[0]["stamp"], resolve("cmd_vel", namespace))
            unlabelled += unknown
            segment.rows = segment.rows[unknown:]
        if len(segment) >= min_steps:
            path = episode_path(Path(out_dir), first_index + written)
            episode = converter.episode(segment.rows, commands)
            episode.update(source_file=np.array(reader.path.name), source_sha256=np.array(sha256),
                           source_namespace=np.array(namespace))
            if not written:
                write_spec(Path(out_dir), spec)  # makes the directory
            write_episode(path, episode, spec)
            written, steps = written + 1, steps + len(segment)
        elif len(segment):
            log.warning("dropping a %d-step fragment (shorter than %d steps)", len(segment), min_steps)
            short_fragments += len(segment)
        segment = _Segment()

    with torch.no_grad():
        for topic, log_ns, msg in reader.messages(names, expect):
            name = names[topic]
            if name == "cmd_vel":
                commands.append((log_ns * 1e-9, twist_vector(msg)))
                continue
            if name != "camera/image_raw":
                latest[name] = msg
                if name == "odom":
                    step_twist.add(twist_vector(msg.twist))
                if name == "body_contacts":
                    step_contact.add(sum(msg.effort))
                continue
            frames += 1
            t = stamp_to_sec(msg.header.stamp)
            if "joint_states" not in latest or "imu/data" not in latest:
                before_readings += 1
                continue
            if last_kept <= t < last_kept + spec.step_dt - 0.25 * period:  # thinning to step_dt
                thinned += 1
                continue
            if t < last_kept or t - last_kept > max_gap_steps * spec.step_dt:
                flush()  # a reset (time went back) or a gap ends the episode
            last_kept = t
            row = converter.step_row(msg, latest, step_twist, step_contact)
            if row is None:
                flush()
                continue
            row["log_time"] = log_ns * 1e-9
            segment.rows.append(row)
        flush()
    summary = {
        "episodes": written,
        "steps": steps,
        "frames": frames,  # camera frames read: steps plus every count below
        "before_readings": before_readings,  # frames before the first joint_states and imu/data
        "thinned": thinned,  # frames between steps of a --step of several frames
        "skipped_frames": converter.skipped_frames,  # frames that did not decode (encoding, size, joints)
        "skipped_nonfinite": converter.skipped_nonfinite,
        "unlabelled_steps": unlabelled,
        "short_fragments": short_fragments,  # steps in fragments shorter than min_steps
        "step_dt": spec.step_dt,
    }
    log.info("converted %s -> %s: %s", bag, out_dir, summary)
    return summary
