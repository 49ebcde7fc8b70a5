#!/usr/bin/env bash
# Installs Tessera's build and test dependencies from Debian's packages (bookworm).
# Idempotent: apt-get skips what is already there.
set -euo pipefail
packages=(
  build-essential meson ninja-build pkg-config
  libglib2.0-dev libjson-glib-dev libpng-dev libtiff-dev libjpeg62-turbo-dev libfftw3-dev libhdf5-dev libopenblas-dev
  libgtk-4-dev libadwaita-1-dev gettext desktop-file-utils appstream xvfb xauth librsvg2-common
  pngquant
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
