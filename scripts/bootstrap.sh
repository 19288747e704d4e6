#!/usr/bin/env bash
# One-time, idempotent set-up shared by `make run`, `make test` and `make bench`:
# system packages when missing, a virtualenv in .venv, and the project installed into it.
# Re-running it is cheap: each step checks before it acts.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'marquee setup: %s\n' "$*" >&2; }

# Debian packages the player, the encoder and Qt's xcb platform need at run time.
APT_PACKAGES=(libmpv2 ffmpeg xvfb xauth libxcb-cursor0 libxkbcommon-x11-0 libgl1-mesa-dri libegl1
              libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-render-util0 libxcb-image0
              libfontconfig1 libdbus-1-3 fonts-dejavu-core chromium)
if ! python3 -c 'import ensurepip' 2>/dev/null; then APT_PACKAGES+=(python3-venv); fi

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then SUDO=(); elif command -v sudo >/dev/null 2>&1; then SUDO=(sudo); say "using sudo for apt-get"; else
    say "missing system packages: ${missing[*]}"
    say "run as root or install sudo, or install them yourself: apt-get install ${missing[*]}"
    exit 1
  fi
  say "installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${SUDO[@]}" apt-get update -qq
  "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PY=.venv/bin/python
if [ ! -x "$PY" ]; then
  say "creating virtualenv .venv"
  python3 -m venv .venv
fi
stamp=.venv/.marquee-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  say "installing Python packages into .venv"
  "$PY" -m pip install -q --upgrade pip >/dev/null
  "$PY" -m pip install -q -e '.[test]'
  touch "$stamp"
fi
