"""QoS profiles of the topic contract: sensor streams, commands and latched state.

Sensor streams are published reliably and subscribed best effort by default, as robot drivers
publish them (a best-effort subscriber accepts a reliable publisher, a reliable one does not accept a
best-effort publisher). In lock-step simulation every node subscribes reliably too
(`reliable_sensors`): there a reading lost in transport on a loaded machine stalls the loop for a
sync timeout and changes the run, while a reliable one is sent again.
"""

from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy, qos_profile_sensor_data

from .parameters import Parameters

SENSOR_DEPTH = 5  # keep the newest few, as rclpy's sensor-data profile
# Sensor streams as this stack's nodes publish them: reliable, so both kinds of subscriber hear them.
SENSOR_PUBLISHER_QOS = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=SENSOR_DEPTH,
                                  reliability=ReliabilityPolicy.RELIABLE)
# Sensor subscriptions where nothing needs every message (video overlay, start-up probes): best effort.
SENSOR_QOS = qos_profile_sensor_data
# Commands: reliable, newest only matters.
COMMAND_QOS = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=1, reliability=ReliabilityPolicy.RELIABLE)
# An observer of the stack (episode monitor, fault harness) starved of CPU for a while must not lose
# what was sent: reliable (the stack publishes every stream reliably) and deep.
OBSERVER_QOS = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=2000, reliability=ReliabilityPolicy.RELIABLE)
# Event logs a listener must not miss (every guardrail intervention): reliable and deep.
DECISION_QOS = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=1000, reliability=ReliabilityPolicy.RELIABLE)
# Latched state (e-stop, mode, camera_info): late joiners get the last value.
LATCHED_QOS = QoSProfile(
    history=HistoryPolicy.KEEP_LAST,
    depth=1,
    reliability=ReliabilityPolicy.RELIABLE,
    durability=DurabilityPolicy.TRANSIENT_LOCAL,
)


def sensor_qos(reliable: bool, depth: int = SENSOR_DEPTH) -> QoSProfile:
    """A sensor subscription: best effort (a robot's drivers), or reliable (lock-step simulation).

    depth 1 is for a slow consumer that should act on the newest message only (the planner falls
    behind in real time; lock-step never queues, since the sim waits for each tick's command).
    """
    reliability = ReliabilityPolicy.RELIABLE if reliable else ReliabilityPolicy.BEST_EFFORT
    return QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=depth, reliability=reliability)


def declare_reliable_sensors(params: Parameters) -> bool:
    """The node's `reliable_sensors` parameter: how it subscribes to sensor streams (read-only)."""
    return params.declare(
        "reliable_sensors", False,
        "subscribe to sensor streams reliably (lock-step simulation sets it: a reading lost on a loaded "
        "machine would stall the loop for a sync timeout and change the run). Off for a robot: a reliable "
        "subscriber never hears a driver that publishes best effort, as most do")
