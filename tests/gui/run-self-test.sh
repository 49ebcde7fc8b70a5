#!/bin/sh
# The GUI smoke test: starts the real window under Xvfb on the demo image, runs a short
# simulated denoise, checks the live previews, the PSNR and the main loop's frame gaps
# (ts-self-test.c, --self-test), saves a screenshot and quits. Skips (77) without
# xvfb-run or xauth.
set -u
app="$1"
out="$2"
shift 2
command -v xvfb-run >/dev/null 2>&1 || { echo "SKIP: xvfb-run not installed"; exit 77; }
command -v xauth >/dev/null 2>&1 || { echo "SKIP: xauth not installed"; exit 77; }
mkdir -p "$(dirname "$out")"
# No session bus, no dconf writes, no accessibility bus: the test must not touch the
# user's session.
export GSETTINGS_BACKEND=memory
export NO_AT_BRIDGE=1
export GTK_A11Y=none
export G_DEBUG="${G_DEBUG:-fatal-criticals}"
# Xvfb has no GPU: the cairo renderer is what such a machine draws with.
export GSK_RENDERER="${GSK_RENDERER:-cairo}"
export DBUS_SESSION_BUS_ADDRESS=disabled:
# TESSERA_XVFB_SCREEN: a larger screen for a larger window (tools/screenshots.sh).
exec xvfb-run -a -s "-screen 0 ${TESSERA_XVFB_SCREEN:-1400x900x24}" "$app" --self-test="$out" "$@"
