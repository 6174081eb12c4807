#!/usr/bin/env bash
# Runs a command inside the project's virtual environment, creating it or bringing it
# up to date first. Used by the README's two fresh-machine commands and by CI.
#   scripts/with_venv.sh lecun-agent sim
#   scripts/with_venv.sh python -m pytest
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${LECUN_AGENT_VENV:-$repo/.venv}"
python="${PYTHON:-python3}"

if [ ! -x "$venv/bin/python" ]; then
  echo "[with_venv] creating $venv" >&2
  "$python" -m venv "$venv"
fi

# Reinstall only when the dependency lists or package metadata changed.
stamp="$venv/.lecun_agent_installed"
want="$(cat "$repo/requirements.txt" "$repo/requirements-dev.txt" "$repo/requirements-bench.txt" "$repo/setup.py" "$repo/setup.cfg" "$repo/package.xml" | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "[with_venv] installing dependencies into $venv (first run takes a few minutes)" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$repo/requirements-dev.txt" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -e "$repo" >&2
  echo "$want" > "$stamp"
fi

export PATH="$venv/bin:$PATH"
export VIRTUAL_ENV="$venv"
cd "$repo"
exec "$@"
