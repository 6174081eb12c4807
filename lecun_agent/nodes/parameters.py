"""Declares a node's settings as ROS parameters, rejects what may not change, applies what may.

Modelled on Nav2 MPPI's ParametersHandler. Every parameter comes from a `setting(...)` field
(lecun_agent/settings.py), so its default, description and range exist once:
- the descriptor carries the description, the range and `read_only`; rclpy enforces range,
  type and read-only on every path (set, atomic set, params file, launch override), which makes
  the range the one validator of a numeric setting;
- this helper's on-set callback checks what rclpy cannot: choices, custom validators, and that
  `use_sim_time` (the node's clock) never changes after start;
- the post-set callback logs each accepted change and calls the node's listeners.
An integer given for a double (`ros2 param set /cost_node weights.energy 1`, `-p weights.energy:=1`,
`weights.energy: 1` in a params file) is taken as that double, where rclpy alone would refuse it
for its type; the range and every other check then apply to the double. Nothing else is converted:
a double for an integer or a string for a number is still refused.
A params file naming a parameter the node does not declare stops the node at start, so a typo
is never ignored silently; a run-time set of an unknown name is refused with the closest names.
A set request carrying a type number rclpy does not know is refused with a reason: rclpy's own
service callback raises ValueError on it, which would end the node (found by fuzzing).
For that, nodes are created with `allow_undeclared_parameters=True`: rclpy's own refusal of an
undeclared name says only "Invalid access to undeclared parameter(s): []".
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Callable
from typing import Any

from rcl_interfaces.msg import FloatingPointRange, IntegerRange, ParameterDescriptor, SetParametersResult
from rcl_interfaces.srv import SetParameters, SetParametersAtomically
from rclpy.node import Node
from rclpy.parameter import Parameter

from lecun_agent.settings import Spec, specs

FIXED_AFTER_START = ("use_sim_time",)  # a clock switched at run time turns staleness checks off
KNOWN_TYPES = frozenset(t.value for t in Parameter.Type)


class ParameterError(ValueError):
    """A parameter the node cannot start with (bad value, unknown name): spin_node prints it in one line."""


class Parameters:
    """The node's declared settings: `p["name"]`, `p.settings(Config, prefix)`, `p.on_change(fn)`."""

    def __init__(self, node: Node) -> None:
        self.node = node
        self.values: dict[str, Any] = {}
        self._specs: dict[str, Spec] = {}
        self._validators: dict[str, Callable[[Any], str | None]] = {}
        self._listeners: list[Callable[[dict[str, Any]], None]] = []
        node.add_pre_set_parameters_callback(self._widen_integers)
        node.add_on_set_parameters_callback(self._validate)
        node.add_post_set_parameters_callback(self._apply)
        for service in node.services:
            if service.srv_type in (SetParameters, SetParametersAtomically):
                service.callback = _refusing_unknown_types(service.callback, service.srv_type)

    # ---- declaring -----------------------------------------------------------------------
    def declare_settings(self, cls: type, prefix: str = "", low: dict[str, float] | None = None) -> Any:
        """Declare every setting of dataclass `cls` as `<prefix><field>`; return a `cls` of the values.

        `low` raises the lower bound of some fields (e.g. a weight's bound is its safety floor).
        """
        for spec in specs(cls):
            if low and spec.name in low:
                spec = dataclasses.replace(spec, low=low[spec.name])
            self._declare(dataclasses.replace(spec, name=prefix + spec.name))
        return self.settings(cls, prefix)

    def declare(self, name: str, default: Any, doc: str, *, low=None, high=None, choices=None,
                runtime: bool = False, validator: Callable[[Any], str | None] | None = None) -> Any:
        """Declare one parameter that belongs to no settings dataclass (node plumbing)."""
        if validator is not None:
            self._validators[name] = validator
        return self._declare(Spec(name, default, doc, low, high, choices, runtime))

    def _declare(self, spec: Spec) -> Any:
        descriptor = ParameterDescriptor(description=spec.doc, read_only=not spec.runtime,
                                         additional_constraints="" if spec.choices is None else
                                         f"one of {', '.join(map(repr, spec.choices))}")  # `ros2 param describe`
        if spec.low is not None and spec.high is not None:
            if isinstance(spec.default, bool) or not isinstance(spec.default, (int, float)):
                raise TypeError(f"range given for non-numeric parameter {spec.name}")
            if isinstance(spec.default, int):
                descriptor.integer_range = [IntegerRange(from_value=int(spec.low), to_value=int(spec.high))]
            else:
                descriptor.floating_point_range = [
                    FloatingPointRange(from_value=float(spec.low), to_value=float(spec.high))]
        self._specs[spec.name] = spec
        override = self.node._parameter_overrides.get(spec.name)
        if override is not None:
            self.node._parameter_overrides[spec.name] = self._widen_integers([override])[0]
        value = self.node.declare_parameter(spec.name, spec.default, descriptor).value
        reason = self._problem(spec.name, value)
        if reason:
            raise ParameterError(f"parameter {spec.name}: {reason}")
        self.values[spec.name] = value
        return value

    def reject_unknown_overrides(self) -> None:
        """Stop at start when the params file or launch sets a parameter this node does not have."""
        unknown = sorted(set(self.node._parameter_overrides) - set(self.node._parameters))
        if unknown:
            close = list(dict.fromkeys(m for name in unknown
                                       for m in difflib.get_close_matches(name, self.node._parameters, 3, 0.8)))
            hint = f"did you mean {close}?" if close else "`ros2 param list` names the node's parameters"
            raise ParameterError(f"unknown parameters {unknown} in the params file or launch overrides; {hint}")

    # ---- reading -------------------------------------------------------------------------
    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def settings(self, cls: type, prefix: str = "") -> Any:
        """The current values of `cls`'s settings (plain fields keep their code defaults)."""
        return cls(**{s.name: self.values[prefix + s.name] for s in specs(cls)})

    def on_change(self, listener: Callable[[dict[str, Any]], None]) -> None:
        """Call `listener({name: new_value, ...})` after each accepted change."""
        self._listeners.append(listener)

    # ---- callbacks ------------------------------------------------------------------------
    def _widen_integers(self, params: list[Parameter]) -> list[Parameter]:
        """Each integer set on a double-valued setting, as that double (1 -> 1.0; Spec.takes_widened)."""
        return [Parameter(p.name, Parameter.Type.DOUBLE, float(p.value))
                if p.name in self._specs and self._specs[p.name].takes_widened(p.value) else p for p in params]

    def _problem(self, name: str, value: Any) -> str | None:
        spec, validator = self._specs.get(name), self._validators.get(name)
        return (spec.problem(value) if spec else None) or (validator(value) if validator else None)

    def _validate(self, params) -> SetParametersResult:
        reasons = []
        for p in params:
            if not self.node.has_parameter(p.name) and p.name not in self._specs:
                close = difflib.get_close_matches(p.name, list(self.node._parameters), n=3, cutoff=0.5)
                hint = f"; did you mean {', '.join(close)}?" if close else ""
                reasons.append(f"unknown parameter {p.name!r} on {self.node.get_name()}{hint}")
            elif p.name in FIXED_AFTER_START and p.value != self.node.get_parameter(p.name).value:
                reasons.append(f"{p.name} is fixed after start (restart the node to change its clock)")
            elif p.name in self._specs and (reason := self._problem(p.name, p.value)):
                reasons.append(reason)
        return SetParametersResult(successful=not reasons, reason="; ".join(reasons))

    def _apply(self, params) -> None:
        changed = {}
        for p in params:
            if p.name in self.values:  # declared already: a change, not the initial value
                old, self.values[p.name] = self.values[p.name], p.value
                changed[p.name] = p.value
                self.node.get_logger().info(f"parameter {p.name}: {old} -> {p.value}")
        for listener in self._listeners if changed else ():
            listener(changed)


def _refusing_unknown_types(callback: Callable, srv_type) -> Callable:
    """Wrap a set-parameters service callback: parameters whose type rclpy does not know are refused."""

    def guarded(request, response):
        params = list(request.parameters)
        bad = [p.value.type not in KNOWN_TYPES for p in params]
        if not any(bad):
            return callback(request, response)
        types = ", ".join(str(p.value.type) for p, b in zip(params, bad, strict=True) if b)
        refused = SetParametersResult(successful=False, reason=f"unknown parameter type in the request ({types})")
        if srv_type is SetParametersAtomically:
            response.result = refused
            return response
        good = callback(SetParameters.Request(parameters=[p for p, b in zip(params, bad, strict=True) if not b]),
                        SetParameters.Response()).results
        good = iter(good)
        response.results = [refused if b else next(good) for b in bad]
        return response

    return guarded
