"""lecun_agent: LeCun's autonomous-machine-intelligence architecture on a ROS 2 quadruped."""

__version__ = "0.1.0"

GOAL_REACH_ENV_ID = "lecun_agent/GoalReach-v0"


def _register_gymnasium_envs() -> None:
    """Make `gymnasium.make("lecun_agent/GoalReach-v0")` work after `import lecun_agent`.

    The entry point is a string, so pybullet and torch load on `make`, not on this import (every
    node imports the package). A ROS install without gymnasium still imports the package.
    """
    try:
        import gymnasium
    except ImportError:
        return
    if GOAL_REACH_ENV_ID not in gymnasium.registry:
        gymnasium.register(GOAL_REACH_ENV_ID, entry_point="lecun_agent.episodes.gym_env:GoalReachEnv")


_register_gymnasium_envs()
