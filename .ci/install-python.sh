#!/usr/bin/env bash
# Installs the Python stack the notebooks need, from Debian packages only (no pip/PyPI).
# Idempotent: installs only the packages that are missing; does nothing when all are present.
set -euo pipefail

packages=(
  python3
  python3-numpy
  python3-matplotlib
  python3-nbformat
  python3-nbconvert
  python3-ipykernel
  jupyter-nbconvert
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "install-python: all packages present"
  exit 0
fi

echo "install-python: installing ${missing[*]}"
sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get -o DPkg::Lock::Timeout=600 update -qq
$sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}"
