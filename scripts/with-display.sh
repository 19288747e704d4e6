#!/usr/bin/env bash
# Run a command with an X display: the real one if there is one, else a private Xvfb.
# Qt and mpv's OpenGL renderer then run for real (Mesa llvmpipe) in tests and in CI.
set -euo pipefail
if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then exec "$@"; fi
exec xvfb-run -a -s "-screen 0 1920x1080x24 -nolisten tcp" "$@"
