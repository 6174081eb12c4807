"""Recording the topic contract to rosbag2-compatible MCAP, reading it back, and turning it into a dataset."""
