#!/usr/bin/env bash
# Builds the package with colcon in a scratch workspace, as a ROS user does, and checks that the
# install holds what `ros2 run` and `ros2 launch` look for: lib/lecun_agent/<node> for every node,
# and package.xml, launch/, config/ and urdf/ under share/lecun_agent. Run inside the project venv
# (scripts/with_venv.sh scripts/check_colcon_install.sh); CI runs it from .ci/run.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ws="$(mktemp -d)"
trap 'rm -rf "$ws"' EXIT
mkdir -p "$ws/src"
ln -s "$repo" "$ws/src/lecun_agent"
if ! (cd "$ws" && colcon build --packages-select lecun_agent >"$ws/build.log" 2>&1); then
  cat "$ws/build.log" >&2
  exit 1
fi
prefix="$ws/install/lecun_agent"
missing=()
for node in "$repo"/lecun_agent/nodes/*_node.py; do
  name="$(basename "$node" .py)"
  [ -x "$prefix/lib/lecun_agent/$name" ] || missing+=("lib/lecun_agent/$name")
done
for path in share/lecun_agent/package.xml share/lecun_agent/launch/sim.launch.py \
            share/lecun_agent/launch/robot.launch.py share/lecun_agent/urdf/quadruped.urdf \
            share/lecun_agent/config/profiles/robot_example.yaml \
            share/ament_index/resource_index/packages/lecun_agent; do
  [ -e "$prefix/$path" ] || missing+=("$path")
done
# The installed package (not the source tree) must find its share directory through the ament index.
share="$(cd "$ws" && set +u && source install/setup.bash && cd / && python -c \
  'from lecun_agent.paths import share_dir, default_checkpoint_dir; import lecun_agent; print(share_dir()); assert (default_checkpoint_dir() / "meta.json").exists(), "no shipped checkpoint"')"
[ "$share" = "$prefix/share/lecun_agent" ] || missing+=("ament index share dir (got $share)")
if [ ${#missing[@]} -gt 0 ]; then
  printf 'colcon install is missing: %s\n' "${missing[@]}" >&2
  exit 1
fi
echo "colcon install ok: $(ls "$prefix/lib/lecun_agent" | wc -l) executables in lib/lecun_agent, share at $share"
