"""rclpy executors compared: round-trip latency and CPU of a ping-pong between two node processes.

Run: scripts/with_venv.sh python benchmarks/bench_executors.py [--trips 2000]

The lock-stepped stack is a chain of node processes passing one message per hop, so the per-hop
cost of the executor bounds its speed. Each executor kind runs the same ping-pong: the pinger
publishes a JointState, the ponger echoes it, the pinger waits for the echo. Prints the mean
round trip and the pinger's CPU per trip for SingleThreadedExecutor and the events executor,
measured in the same run (so a load burst on a shared machine hits both).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

from lecun_agent.stack.ros_domain import EPISODE_DOMAINS, DomainClaim


def pong(kind: str, seconds: float) -> None:
    import rclpy
    from sensor_msgs.msg import JointState

    rclpy.init()
    node = rclpy.create_node("pong")
    executor = make_executor(kind)
    executor.add_node(node)
    pub = node.create_publisher(JointState, "pong", 10)
    node.create_subscription(JointState, "ping", pub.publish, 10)
    end = time.time() + seconds
    while time.time() < end:
        executor.spin_once(timeout_sec=0.1)


def make_executor(kind: str):
    if kind == "events":
        from rclpy.experimental import EventsExecutor

        return EventsExecutor()
    from rclpy.executors import SingleThreadedExecutor

    return SingleThreadedExecutor()


def ping(kind: str, trips: int) -> tuple[float, float]:
    """-> (mean round trip us, pinger CPU us per trip)."""
    import rclpy
    from sensor_msgs.msg import JointState

    rclpy.init()
    node = rclpy.create_node("ping")
    executor = make_executor(kind)
    executor.add_node(node)
    pub = node.create_publisher(JointState, "ping", 10)
    got = [0]
    node.create_subscription(JointState, "pong", lambda m: got.__setitem__(0, got[0] + 1), 10)
    while pub.get_subscription_count() == 0 or node.count_publishers("pong") == 0:
        executor.spin_once(timeout_sec=0.05)
    time.sleep(1.0)
    msg = JointState(name=["joint"] * 12, position=[0.0] * 12)
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(trips):
        target = got[0] + 1
        pub.publish(msg)
        while got[0] < target:
            executor.spin_once(timeout_sec=1.0)
    return 1e6 * (time.perf_counter() - wall) / trips, 1e6 * (time.process_time() - cpu) / trips


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trips", type=int, default=2000)
    parser.add_argument("--role", choices=("pong", "ping"), default=None, help=argparse.SUPPRESS)
    parser.add_argument("--kind", default="events", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role == "pong":
        return pong(args.kind, 120.0)
    if args.role == "ping":
        latency, cpu = ping(args.kind, args.trips)
        print(f"{latency:.0f} {cpu:.0f}")
        return None
    claim = DomainClaim(EPISODE_DOMAINS)  # held until the script ends
    env = {**os.environ, "ROS_DOMAIN_ID": str(claim.domain), "ROS_AUTOMATIC_DISCOVERY_RANGE": "LOCALHOST"}
    print(f"ping-pong of a 12-joint JointState between two processes, {args.trips} trips, "
          f"load average {os.getloadavg()[0]:.1f}")
    for kind in ("single", "events"):
        ponger = subprocess.Popen([sys.executable, __file__, "--role", "pong", "--kind", kind], env=env)
        try:
            out = subprocess.run([sys.executable, __file__, "--role", "ping", "--kind", kind, "--trips",
                                  str(args.trips)], env=env, capture_output=True, text=True, timeout=300).stdout
        finally:
            ponger.kill()
            ponger.wait()
        latency, cpu = (float(v) for v in out.split())
        name = "SingleThreadedExecutor" if kind == "single" else "EventsExecutor"
        print(f"{name:<24} round trip {latency:7.0f} us   pinger CPU {cpu:5.0f} us per trip")
    return None


if __name__ == "__main__":
    main()
