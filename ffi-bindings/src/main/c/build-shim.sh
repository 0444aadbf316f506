#!/usr/bin/env bash
# Compiles the DPDK shim (dpdk_shim.c) into OUT_DIR/libdataplane_dpdk_shim.so when DPDK's development
# files are installed. Without them it says so and exits 0: the build must succeed on machines
# without DPDK; opening a DPDK port there fails with a message naming the packages to install.
set -euo pipefail
src_dir=$(cd "$(dirname "$0")" && pwd)
out_dir=${1:?usage: build-shim.sh OUT_DIR}
out=$out_dir/libdataplane_dpdk_shim.so

if ! command -v pkg-config >/dev/null 2>&1 || ! pkg-config --exists libdpdk; then
  echo "[dpdk-shim] libdpdk not found by pkg-config: DPDK ports disabled (install Debian packages dpdk libdpdk-dev pkg-config gcc, then rebuild)"
  rm -f "$out"
  exit 0
fi
if ! command -v gcc >/dev/null 2>&1; then
  echo "[dpdk-shim] gcc not found: DPDK ports disabled (apt-get install gcc, then rebuild)"
  rm -f "$out"
  exit 0
fi
if [[ -f $out && $out -nt $src_dir/dpdk_shim.c && $out -nt $0 ]]; then
  exit 0
fi
mkdir -p "$out_dir"
# shellcheck disable=SC2046  # pkg-config output is meant to be word-split
gcc -O2 -g -Wall -Wextra -Werror -fPIC -shared -o "$out.tmp" "$src_dir/dpdk_shim.c" \
  $(pkg-config --cflags libdpdk) -Wl,--no-as-needed -lrte_eal -lrte_ethdev -lrte_mbuf -lrte_mempool -lrte_bus_vdev \
  $(pkg-config --libs libdpdk)
mv "$out.tmp" "$out"
echo "[dpdk-shim] built $out against DPDK $(pkg-config --modversion libdpdk)"
