"""Standard ROS messages <-> the cores' types, with no rclpy: nodes, recordings and tools share it."""
