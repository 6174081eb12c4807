#!/usr/bin/env bash
# Builds the package with colcon in a scratch workspace, as a ROS user does, and checks that the
# install holds what `ros2 run` and `ros2 launch` look for: lib/lecun_agent/<node> for every node,
# and package.xml, launch/, config/ and urdf/ under share/lecun_agent. Run inside the project venv
# (scripts/with_venv.sh scripts/check_colcon_install.sh); CI runs it from .ci/run. Both routes: a plain
# build and --symlink-install.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

# check_install NAME SHARE [colcon build flags]: build in a workspace of its own and check what it installed.
# SHARE: where the installed package must find its share directory ("install": the workspace's install/).
check_install() {
  local name="$1" want="$2"; shift 2
  local ws="$scratch/$name"
  mkdir -p "$ws/src"
  ln -s "$repo" "$ws/src/lecun_agent"
  if ! (cd "$ws" && colcon build --packages-select lecun_agent "$@" >"$ws/build.log" 2>&1); then
    echo "colcon build $* failed:" >&2
    cat "$ws/build.log" >&2
    exit 1
  fi
  local prefix="$ws/install/lecun_agent"
  local missing=()
  for node in "$repo"/lecun_agent/nodes/*_node.py; do
    local exe
    exe="$(basename "$node" .py)"
    [ -x "$prefix/lib/lecun_agent/$exe" ] || missing+=("lib/lecun_agent/$exe")
  done
  for path in share/lecun_agent/package.xml share/lecun_agent/launch/sim.launch.py \
              share/lecun_agent/launch/robot.launch.py share/lecun_agent/urdf/quadruped.urdf \
              share/lecun_agent/config/profiles/robot_example.yaml \
              share/ament_index/resource_index/packages/lecun_agent; do
    [ -e "$prefix/$path" ] || missing+=("$path")
  done
  # The installed package (not the source tree) must find its share directory through the ament index.
  local share
  share="$(cd "$ws" && set +u && source install/setup.bash && cd / && python -c \
    'from lecun_agent.paths import share_dir, default_checkpoint_dir; import lecun_agent; print(share_dir()); assert (default_checkpoint_dir() / "meta.json").exists(), "no shipped checkpoint"')"
  [ "$want" = install ] && want="$prefix/share/lecun_agent"
  [ "$share" = "$want" ] || missing+=("share dir $want (got $share)")
  if [ ${#missing[@]} -gt 0 ]; then
    printf 'colcon build %s: the install is missing: %s\n' "$*" "${missing[@]}" >&2
    exit 1
  fi
  echo "colcon build $* ok: $(ls "$prefix/lib/lecun_agent" | wc -l) executables in lib/lecun_agent, share at $share"
}

check_install plain install
# A developer's build: setup.py runs from build/, and the package, linked to the source tree, reads its
# launch/, config/ and urdf/ there (paths.share_dir), so an edit needs no rebuild.
check_install symlink "$repo" --symlink-install
