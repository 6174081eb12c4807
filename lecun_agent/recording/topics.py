"""The topic contract as the recorder and the replay driver see it: names, types, which side owns them."""

from __future__ import annotations

# Relative name (as the nodes use it) -> full message type. /clock is absolute on purpose.
CONTRACT_TOPICS: dict[str, str] = {
    "/clock": "rosgraph_msgs/msg/Clock",
    "joint_states": "sensor_msgs/msg/JointState",
    "imu/data": "sensor_msgs/msg/Imu",
    "camera/image_raw": "sensor_msgs/msg/Image",
    "camera/camera_info": "sensor_msgs/msg/CameraInfo",
    "foot_contacts": "sensor_msgs/msg/JointState",
    "body_contacts": "sensor_msgs/msg/JointState",
    "odom": "nav_msgs/msg/Odometry",
    "sim/ground_truth": "nav_msgs/msg/Odometry",
    "goal_pose": "geometry_msgs/msg/PoseStamped",
    "agent/goal": "geometry_msgs/msg/PoseStamped",
    "cmd_vel": "geometry_msgs/msg/TwistStamped",
    "cmd_vel_unstamped": "geometry_msgs/msg/Twist",  # only with cost_node's cmd_vel_unstamped
    "agent/cmd_vel_proposed": "geometry_msgs/msg/TwistStamped",
    "agent/latent": "sensor_msgs/msg/Image",
    "agent/goal_sighting": "geometry_msgs/msg/PoseArray",
    "agent/plan": "nav_msgs/msg/Path",
    "agent/plan_actions": "sensor_msgs/msg/Image",
    "agent/plan_costs": "sensor_msgs/msg/JointState",
    "agent/plan_samples": "visualization_msgs/msg/MarkerArray",  # only with the actor's sample_markers
    "agent/predicted_latents": "sensor_msgs/msg/Image",
    "agent/predicted_features": "sensor_msgs/msg/JointState",
    "agent/mode": "std_msgs/msg/String",
    "agent/mode_stamped": "sensor_msgs/msg/JointState",
    "guardrail/decisions": "diagnostic_msgs/msg/DiagnosticArray",
    "cost/definition": "sensor_msgs/msg/JointState",
    "joint_commands": "trajectory_msgs/msg/JointTrajectory",
    "agent/cost": "sensor_msgs/msg/JointState",
    "diagnostics": "diagnostic_msgs/msg/DiagnosticArray",
}

# What `lecun-agent convert` needs in a recording (recording/to_dataset.py): without any one it converts nothing.
CONVERT_REQUIRED: tuple[str, ...] = ("camera/image_raw", "joint_states", "imu/data", "cmd_vel")

# What a robot's driver publishes (the replay driver stands in for exactly these).
ROBOT_TOPICS: tuple[str, ...] = (
    "/clock", "joint_states", "imu/data", "camera/image_raw", "camera/camera_info", "foot_contacts", "odom",
)

# What the stack sends the body: a stand-in driver replays what the body sends, never these.
MOTION_COMMANDS: tuple[str, ...] = ("cmd_vel", "cmd_vel_unstamped", "joint_commands", "agent/cmd_vel_proposed")


def resolve(topic: str, namespace: str = "") -> str:
    """The fully qualified name rosbag2 records: 'imu/data' in namespace 'robot1' -> '/robot1/imu/data'."""
    if topic.startswith("/"):
        return topic
    ns = namespace.strip("/")
    return f"/{ns}/{topic}" if ns else f"/{topic}"
