#!/usr/bin/env bash
# Compiles the native dpctl client (dpctl.c) into OUT_DIR/dpctl. Without gcc it says so and exits 0:
# bin/dpctl then runs the Java client for every command (the same results, a JVM start each).
set -euo pipefail
src_dir=$(cd "$(dirname "$0")" && pwd)
out_dir=${1:?usage: build-dpctl.sh OUT_DIR}
out=$out_dir/dpctl

if ! command -v gcc >/dev/null 2>&1; then
  echo "[dpctl] gcc not found: bin/dpctl will use the Java client for every command (apt-get install gcc, then rebuild)"
  rm -f "$out"
  exit 0
fi
if [[ -f $out && $out -nt $src_dir/dpctl.c && $out -nt $0 ]]; then
  exit 0
fi
mkdir -p "$out_dir"
gcc -O2 -g -Wall -Wextra -Werror -std=gnu11 -o "$out.tmp" "$src_dir/dpctl.c"
mv "$out.tmp" "$out"
echo "[dpctl] built $out"
