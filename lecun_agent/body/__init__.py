"""The body every module shares: its sensor readings and its URDF model."""
