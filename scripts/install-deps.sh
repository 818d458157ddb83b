#!/usr/bin/env bash
# Installs the Debian 12 packages skiff needs to build, test and run its demo.
# Idempotent: installs only what is missing, and runs `apt-get update` at most once.
set -euo pipefail

packages=(
  build-essential cmake ninja-build lld pkg-config clang libclang-rt-14-dev
  libuv1-dev libzstd-dev zstd libmbedtls-dev libflatbuffers-dev flatbuffers-compiler
  libtomlplusplus-dev libsimdjson-dev zlib1g-dev libre2-dev libxxhash-dev libsystemd-dev
  libgtest-dev libbenchmark-dev prometheus nginx-light tinyproxy openssl tmux systemd-journal-remote
  python3 python3-elasticsearch python3-yaml python3-botocore curl bc systemd
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "skiff: installing missing Debian packages: ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "skiff: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
