"""QoS profiles of the topic contract: sensor streams, commands and latched state."""

from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy, qos_profile_sensor_data

# Sensor streams: best effort, keep the newest few (rclpy's sensor-data profile).
SENSOR_QOS = qos_profile_sensor_data
# A stream a slow consumer acts on: best effort, the newest only. A planner that falls behind plans on
# the newest frame instead of working through a queue of old ones (lock-step never queues: the sim
# waits for each tick's command before the next frame).
NEWEST_SENSOR_QOS = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=1, reliability=ReliabilityPolicy.BEST_EFFORT)
# Commands: reliable, newest only matters.
COMMAND_QOS = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=1, reliability=ReliabilityPolicy.RELIABLE)
# Event logs a listener must not miss (every guardrail intervention): reliable and deep.
DECISION_QOS = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=1000, reliability=ReliabilityPolicy.RELIABLE)
# Latched state (e-stop, mode, camera_info): late joiners get the last value.
LATCHED_QOS = QoSProfile(
    history=HistoryPolicy.KEEP_LAST,
    depth=1,
    reliability=ReliabilityPolicy.RELIABLE,
    durability=DurabilityPolicy.TRANSIENT_LOCAL,
)
