"""ament_python package definition for lecun_agent (colcon and pip both use it)."""

from pathlib import Path

from setuptools import find_packages, setup

PACKAGE = "lecun_agent"
HERE = Path(__file__).resolve().parent
# One executable per node, named after it, so `ros2 run lecun_agent <node>` works: every
# lecun_agent/nodes/<name>_node.py with a main().
NODES = sorted(p.stem for p in Path(PACKAGE, "nodes").glob("*_node.py"))


def share_files(folder: str) -> list[tuple[str, list[str]]]:
    """data_files entries that install every file under `folder` into share/lecun_agent."""
    entries = []
    for path in sorted(Path(folder).rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            entries.append((f"share/{PACKAGE}/{path.parent}", [str(path)]))
    return entries


def requirements(path: str) -> list[str]:
    """The package names of a requirements file beside this setup.py (comments and blank lines dropped).
    Beside it, not in the working directory: colcon's --symlink-install runs setup.py from build/."""
    lines = (line.split("#")[0].strip() for line in (HERE / path).read_text().splitlines())
    return [line for line in lines if line]


setup(
    name=PACKAGE,
    version="0.1.0",
    packages=find_packages(exclude=["test", "test.*"]),
    package_data={PACKAGE: ["checkpoints/default/*"]},
    data_files=[
        ("share/ament_index/resource_index/packages", [f"resource/{PACKAGE}"]),
        (f"share/{PACKAGE}", ["package.xml"]),
    ]
    + share_files("launch")
    + share_files("config")
    + share_files("urdf"),
    install_requires=["setuptools"],
    # Peer planners for `lecun-agent bench` (the runtime stays lean without them).
    extras_require={"bench": requirements("requirements-bench.txt")},
    zip_safe=True,
    maintainer="lecun_agent maintainers",
    maintainer_email="maintainers@lecun-agent.invalid",
    description="LeCun's autonomous-machine-intelligence architecture as ROS 2 nodes on a quadruped",
    license="Apache-2.0",
    entry_points={
        "console_scripts": [f"{n} = {PACKAGE}.nodes.{n}:main" for n in NODES]
        + ["lecun-agent = lecun_agent.cli:main"],
    },
)
