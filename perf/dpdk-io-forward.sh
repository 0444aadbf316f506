#!/usr/bin/env bash
# Side by side on this machine, one forwarding core (CPU 1), alternating ROUNDS times because a
# shared VM's speed drifts:
#  1. dpdk-testpmd --forward-mode=io against DpdkForwardBench (the same io forwarding through
#     DpdkPort), both on two net_null ports; forwarded Mpps, both directions summed.
#  2. dpdk-testpmd io on a net_pcap port replaying 1024 IPv4 UDP flows (infinite_rx, looped back,
#     transmit drops) against DpdkPipelineBench: the whole pipeline (LPM, L4 multipath 1:2,
#     rewrite) from the same pcap into two net_null ports.
#  3. Both io forwarders on net_af_packet over a veth pair in a throwaway namespace, 8 bursts
#     per port sent first (testpmd --tx-first) and bounced through the kernel.
# Needs root, DPDK (dpdk, dpdk-dev) and a built perf module (mvn -DskipTests package).
# Usage: perf/dpdk-io-forward.sh [ROUNDS] [SECONDS]
set -euo pipefail
source "$(dirname "$0")/../bin/lib/common.sh"
find_jdk
rounds=${1:-3}
seconds=${2:-10}
eal=(--no-huge -m 256 --no-pci --no-shconf --no-telemetry)
cd "$DATAPLANE_HOME"

testpmd_run() { # testpmd_run LABEL VDEV-AND-TESTPMD-ARGS...
  # testpmd's own Rx-pps and stats period use its TSC estimate, which is off in this VM; instead
  # each periodic report gets a wall-clock stamp, and the rate is the RX-packets difference (both
  # ports) between the first report after the warm-up and the last one, over their stamps.
  local label=$1
  shift
  timeout -s INT $((seconds + 7)) stdbuf -oL ip netns exec "$ns" dpdk-testpmd "${eal[@]}" -l 0-1 "$@" \
      --forward-mode=io --burst=32 --total-num-mbufs=8192 --stats-period 1 2>&1 \
    | while IFS= read -r line; do
        case $line in *"Port statistics"*|*"RX-packets:"*) printf '%s %s\n' "$(date +%s.%N)" "$line" ;; esac
      done \
    | awk -v warm=5 -v k=0 -v label="$label" '
        /Port statistics/ { if (ts != "" && ports > 0) { t[k] = ts; c[k] = sum; k++ } ts = $1; sum = 0; ports = 0; next }
        /RX-packets:/ && !/RX-total/ { sum += $3; ports++ }
        END {
          if (ports > 0) { t[k] = ts; c[k] = sum; k++ }
          for (i = 0; i < k && t[i] - t[0] < warm; i++) ;
          if (k - 1 <= i) { print "testpmd: too few reports"; exit 1 }
          printf "testpmd %s burst 32 cpu 1: %.2f Mpps received and forwarded (%d frames in %.2f s)\n", label,
            (c[k-1] - c[i]) / (t[k-1] - t[i]) / 1e6, c[k-1] - c[i], t[k-1] - t[i] }' || true
}

java_run() { # java_run MAINCLASS ARGS...
  # taskset: the JVM's own threads (JIT, GC) stay on CPU 0, as testpmd's main lcore does; the
  # worker then pins itself to CPU 1 alone.
  local main=$1
  shift
  ip netns exec "$ns" taskset -c 0 "$JAVA_HOME/bin/java" "${JVM_ARGS[@]}" -cp "perf/target/perf.jar:perf/target/lib/*" \
    "io.dataplane.perf.$main" --seconds "$seconds" --warmup 5 --cpu 1 --burst 32 "$@" 2>&1 | grep 'Mpps'
}

pcap=$(mktemp --suffix=.pcap)
ns=dpdk-bench-$$
trap 'rm -f "$pcap"; ip netns del "$ns" 2>/dev/null || true' EXIT
ip netns add "$ns"
ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip -n "$ns" link add va type veth peer name vb
ip -n "$ns" link set va up
ip -n "$ns" link set vb up
"$JAVA_HOME/bin/java" -cp "perf/target/perf.jar:perf/target/lib/*" io.dataplane.perf.DpdkPipelineBench --write-pcap "$pcap" --flows 1024

for ((r = 1; r <= rounds; r++)); do
  echo "round $r"
  testpmd_run "io-forward net_null0<->net_null1" --vdev net_null0 --vdev net_null1 --
  java_run DpdkForwardBench
  testpmd_run "io-forward net_pcap(1024 flows, infinite_rx) looped, tx dropped" \
    --vdev "net_pcap0,rx_pcap=$pcap,infinite_rx=1" -- --port-topology=loop
  java_run DpdkPipelineBench --pcap "$pcap"
  testpmd_run "io-forward net_af_packet va<->vb (veth), tx-first" --vdev net_af_packet0,iface=va \
    --vdev net_af_packet1,iface=vb -- --tx-first
  java_run DpdkForwardBench --vdev0 net_af_packet0,iface=va --vdev1 net_af_packet1,iface=vb --tx-first 8
done
