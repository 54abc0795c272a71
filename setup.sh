#!/usr/bin/env bash
# Everything tinytap needs on a fresh Debian 12 / Ubuntu machine: the packages to build the
# eBPF object and the native addon, the real servers the capture tests talk to, then the
# project's npm packages and the build. Run as root (or with sudo) from the repository.
set -euo pipefail
cd "$(dirname "$0")"

if [ "$(id -u)" -ne 0 ]; then
  echo "setup.sh installs Debian packages: run it as root (sudo ./setup.sh)" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2046 # one package per word
apt-get install -y -q --no-install-recommends $(grep -v '^#' .ci/debian-packages)

npm ci          # also builds the eBPF object and the addon (the install script)
npm run build:ts
echo "tinytap is built: try  sudo ./examples/first-session.sh"
