#!/usr/bin/env bash
# DPDK's l3fwd (LPM mode, one core) against our pipeline over the same DPDK vdevs, one forwarding
# core (CPU 1) each, alternating ROUNDS times because a shared VM's speed drifts.
#
# l3fwd is built from Debian's dpdk-doc sources (/usr/share/dpdk/examples/l3fwd, installed with
# apt-get when missing) into perf/target/l3fwd, with one small patch: stock l3fwd asks for RX
# checksum offload, which vdevs lack, and refuses to start; the patch masks the RX offloads it asks
# for with the device's capabilities. Not a vendored copy: the sources are Debian's, the patch is
# below.
#
# Traffic: the 1024 IPv4 UDP flows that DpdkPipelineBench --write-pcap writes (to 198.51.100.0/24),
# replayed by net_pcap (infinite_rx) into net_null. l3fwd prints no rate, so its rate is the
# difference of port 0's ipackets (and port 1's opackets) read twice from its telemetry socket.
# Our side is DpdkPipelineBench over the same vdevs: LPM, L4 multipath 1:2, rewrite, into two
# net_null ports.
#
# Needs root, DPDK (dpdk, libdpdk-dev), gcc, make, python3 and, for the comparison, a built perf
# module (mvn -DskipTests package).
# Usage: perf/l3fwd.sh [--build-only] [ROUNDS] [SECONDS]
set -euo pipefail
source "$(dirname "$0")/../bin/lib/common.sh"
cd "$DATAPLANE_HOME"
build_only=0
if [[ ${1:-} == --build-only ]]; then build_only=1; shift; fi
rounds=${1:-3}
seconds=${2:-10}
examples=/usr/share/dpdk/examples
work=$DATAPLANE_HOME/perf/target/l3fwd
binary=$work/l3fwd/build/l3fwd

build() {
  if [[ ! -d $examples/l3fwd ]]; then
    echo "l3fwd.sh: installing dpdk-doc for the l3fwd sources (apt-get)" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dpdk-doc >/dev/null
  fi
  rm -rf "$work"
  mkdir -p "$work"
  cp -r "$examples/l3fwd" "$examples/common" "$work/"
  # The patch: RX offloads limited to what the port can do, at port and at queue configuration.
  (cd "$work/l3fwd" && patch -s -p1 <<'PATCH'
--- a/main.c
+++ b/main.c
@@ -1240,6 +1240,10 @@
 		local_port_conf.rx_adv_conf.rss_conf.rss_hf &=
 			dev_info.flow_type_rss_offloads;
 
+		/* vdevs (net_pcap, net_null, net_ring) offer no RX checksum offload: ask only for what
+		 * the port has, and let the lookup code check the header as it does without it. */
+		local_port_conf.rxmode.offloads &= dev_info.rx_offload_capa;
+
 		if (dev_info.max_rx_queues == 1)
 			local_port_conf.rxmode.mq_mode = RTE_ETH_MQ_RX_NONE;
 
@@ -1359,7 +1363,7 @@
 					portid, strerror(-ret));
 
 			rxq_conf = dev_info.default_rxconf;
-			rxq_conf.offloads = port_conf.rxmode.offloads;
+			rxq_conf.offloads = port_conf.rxmode.offloads & dev_info.rx_offload_capa;
 			if (!per_port_pool)
 				ret = rte_eth_rx_queue_setup(portid, queueid,
 						nb_rxd, socketid,
PATCH
  )
  make -s -C "$work/l3fwd" >/dev/null
  echo "l3fwd.sh: built $binary (Debian dpdk-doc $(dpkg-query -W -f '${Version}' dpdk-doc) + the RX-offload patch)" >&2
}

[[ -x $binary ]] || build
[[ $build_only -eq 1 ]] && exit 0
find_jdk

pcap=$work/flows.pcap
rules=$work/rules
mkdir -p "$rules"
echo "R198.51.100.0/24 1" >"$rules/v4.cfg" # every flow to port 1 (net_null)
echo "R2001:db8::/32 1" >"$rules/v6.cfg"   # unused; l3fwd wants both files or neither
"$JAVA_HOME/bin/java" -cp "perf/target/perf.jar:perf/target/lib/*" io.dataplane.perf.DpdkPipelineBench --write-pcap "$pcap" --flows 1024

# Port counters from a DPDK telemetry socket: prints "t ipackets(port0) opackets(port1)".
telemetry() {
  python3 - "$1" <<'PY'
import json, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
s.recv(1024)  # the greeting
def stats(port):
    s.send(("/ethdev/stats,%d" % port).encode())
    return json.loads(s.recv(65536).decode())["/ethdev/stats"]
a, b = stats(0), stats(1)
print(time.time(), a["ipackets"], b["opackets"])
PY
}

l3fwd_run() {
  local prefix=vsk-l3fwd-$$
  local sock=/var/run/dpdk/$prefix/dpdk_telemetry.v2
  local log=$work/l3fwd.log
  # One lcore, CPU 1, forwards (l3fwd gives every lcore a TX queue, net_pcap has one); EAL's control
  # threads, telemetry among them, run on the other CPUs.
  "$binary" --no-huge -m 512 --no-pci --file-prefix "$prefix" -l 1 \
    --vdev "net_pcap0,rx_pcap=$pcap,infinite_rx=1" --vdev net_null0 -- \
    -p 0x3 --config "(0,0,1)" --lookup lpm --parse-ptype --rule_ipv4 "$rules/v4.cfg" --rule_ipv6 "$rules/v6.cfg" \
    >"$log" 2>&1 &
  local pid=$!
  for _ in $(seq 50); do [[ -S $sock ]] && break; sleep 0.2; done
  if [[ ! -S $sock ]]; then
    kill -INT $pid 2>/dev/null || true
    wait $pid 2>/dev/null || true
    echo "l3fwd: no telemetry socket; its output:"; tail -15 "$log"
    return 1
  fi
  sleep 3 # warm-up: the pcap's frames are cached by infinite_rx, the route table is built
  local a b
  a=$(telemetry "$sock")
  sleep "$seconds"
  b=$(telemetry "$sock")
  kill -INT $pid 2>/dev/null || true
  wait $pid 2>/dev/null || true
  awk -v a="$a" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " "); dt = y[1] - x[1]
    rx = (y[2] - x[2]) / dt; tx = (y[3] - x[3]) / dt
    printf "l3fwd LPM net_pcap->net_null cpu 1 1024 flows: %.2f Mpps received, %.2f Mpps sent (%.1f ns/frame)\n",
      rx / 1e6, tx / 1e6, 1e9 / rx }'
}

java_run() {
  # The JVM's own threads (JIT, GC) stay on CPU 0, as l3fwd's control threads do; the worker pins itself to CPU 1.
  taskset -c 0 "$JAVA_HOME/bin/java" "${JVM_ARGS[@]}" -cp "perf/target/perf.jar:perf/target/lib/*" \
    io.dataplane.perf.DpdkPipelineBench --pcap "$pcap" --seconds "$seconds" --warmup 3 --cpu 1 --burst 32 2>&1 | grep 'Mpps'
}

echo "# $(date -u +%FT%TZ) load $(cut -d' ' -f1-3 /proc/loadavg); $rounds round(s) of $seconds s each"
for r in $(seq "$rounds"); do
  echo "## round $r"
  l3fwd_run || true
  java_run || true
done
