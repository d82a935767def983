#!/usr/bin/env bash
# Installs what the benchmark peer programs need (peer_torch.py, ceiling_numpy.py), from Debian packages only
# (no pip/PyPI), and makes the system BLAS the multithreaded OpenBLAS, which Debian's torch and numpy both call.
# Idempotent: installs only the packages that are missing, and switches the BLAS alternative only when it points
# elsewhere. Run the scripts with Debian's interpreter, /usr/bin/python3: a python3 found first on PATH (pyenv, venv)
# does not see Debian's python3-torch and python3-numpy.
set -euo pipefail

packages=(
  python3
  python3-numpy
  python3-torch
  libopenblas0-pthread
  libopenblas0-openmp
)

sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "install-peer: all packages present"
else
  echo "install-peer: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get -o DPkg::Lock::Timeout=600 update -qq
  $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}"
fi

# Debian's torch and numpy link libblas.so.3 / liblapack.so.3, whichever library the alternatives system points them
# at. The reference BLAS (libblas3) is single-threaded and an order of magnitude slower than OpenBLAS, so a peer that
# ran on it would make our engine look better than it is: point both at OpenBLAS explicitly. The pthread build, as
# ND4J's bundled OpenBLAS is; the OpenMP build is installed beside it for the peers' --openblas openmp, which loads it
# for one process only.
arch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)
for lib in blas lapack; do
  name="lib${lib}.so.3-${arch}"
  target="/usr/lib/${arch}/openblas-pthread/lib${lib}.so.3"
  [[ -e "$target" ]] || { echo "install-peer: $target missing" >&2; exit 1; }
  current=$(update-alternatives --query "$name" 2>/dev/null | sed -n 's/^Value: //p')
  if [[ "$current" != "$target" ]]; then
    echo "install-peer: $name -> $target (was ${current:-unset})"
    $sudo update-alternatives --set "$name" "$target"
  fi
done
echo "install-peer: BLAS is $(readlink -f "/usr/lib/${arch}/libblas.so.3")"
