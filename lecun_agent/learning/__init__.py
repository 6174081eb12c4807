"""Learning loop cores: collect experience, train the world model, evaluate it (no ROS)."""
