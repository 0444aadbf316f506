#!/usr/bin/env bash
# DPDK's l3fwd (LPM mode, one core) against our pipeline over the same DPDK vdevs, one forwarding
# core (CPU 1) each, in interleaved rounds (the order alternates) because a shared VM's speed
# drifts; medians at the end.
#
# l3fwd is built from Debian's dpdk-doc sources (/usr/share/dpdk/examples/l3fwd, installed with
# apt-get when missing) into perf/target/l3fwd, with one small patch: stock l3fwd asks for RX
# checksum offload, which vdevs lack, and refuses to start; the patch masks the RX offloads it asks
# for with the device's capabilities. Not a vendored copy: the sources are Debian's, the patch is
# below.
#
# Traffic: the 1024 IPv4 UDP flows that DpdkPipelineBench --write-pcap writes (to 198.51.100.0/24),
# over two kinds of vdevs:
#  pcap  net_pcap (infinite_rx: its cached frames copied into fresh mbufs) into net_null (frees
#        them), all in the forwarder's process;
#  ring  net_ring vdevs fed and drained by perf/ring-traffic.c, a DPDK secondary process on CPU 0
#        that keeps 512 frames cycling (rewrites each forwarded frame with the next flow's frame
#        and puts it back); needs hugepages, which the script reserves and gives back.
# l3fwd prints no rate, so its rate is the difference of port 0's ipackets (and port 1's
# opackets) read twice from its telemetry socket. Our side is DpdkPipelineBench over the same
# vdevs: LPM, L4 multipath 1:2, rewrite, into two egress ports (l3fwd sends to one); and "single",
# the same pipeline doing l3fwd's job (the /24 routed to one nexthop on one port: no group, no
# hash), so that the two are also compared like for like. Both also
# report ns/frame of the forwarding thread's own CPU time (schedstat / thread CPU time), which
# holds even when the core is shared with other work.
#
# Needs root, DPDK (dpdk, libdpdk-dev, pkg-config), gcc, make, python3 and, for the comparison, a
# built perf module (mvn -DskipTests package).
# --before DIR also runs DpdkPipelineBench from another build's jars (DIR/perf.jar, DIR/lib) as a
# third contender, "before", to compare two builds of ours in the same interleaved run.
# Usage: perf/l3fwd.sh [--build-only] [--vdevs pcap|ring|both] [--before DIR] [ROUNDS] [SECONDS]
set -euo pipefail
source "$(dirname "$0")/../bin/lib/common.sh"
cd "$DATAPLANE_HOME"
build_only=0
vdevs=both
before=
while [[ ${1:-} == --* ]]; do
  case $1 in
    --build-only) build_only=1; shift ;;
    --vdevs) vdevs=${2:?--vdevs needs pcap, ring or both}; shift 2 ;;
    --before) before=${2:?--before needs a directory with perf.jar and lib/}; shift 2 ;;
    *) echo "l3fwd.sh: unknown option $1 (usage: perf/l3fwd.sh [--build-only] [--vdevs pcap|ring|both] [--before DIR] [ROUNDS] [SECONDS])" >&2; exit 2 ;;
  esac
done
case $vdevs in
  pcap) modes=(pcap) ;;
  ring) modes=(ring) ;;
  both) modes=(pcap ring) ;;
  *) echo "l3fwd.sh: --vdevs is pcap, ring or both, not '$vdevs'" >&2; exit 2 ;;
esac
rounds=${1:-3}
seconds=${2:-10}
warmup=3
ring_frames=512 # in flight; a net_ring ring holds 1023
examples=/usr/share/dpdk/examples
work=$DATAPLANE_HOME/perf/target/l3fwd
binary=$work/l3fwd/build/l3fwd
traffic=$work/ring-traffic
huge=$DATAPLANE_HOME/perf/target/l3fwd-hugepages
# The secondary maps the primary's hugepage memory at the primary's addresses; by default those lie
# among the shared libraries, where the secondary's own may already sit. 192 GB is above a JVM's
# compressed-oops heap and far below the libraries.
base_virtaddr=0x3000000000

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
  build_traffic
}

build_traffic() {
  # shellcheck disable=SC2046  # pkg-config output is meant to be word-split
  gcc -O2 -Wall -Wextra -Werror -o "$traffic" perf/ring-traffic.c $(pkg-config --cflags --libs libdpdk)
}

[[ -x $binary ]] || build
[[ -x $traffic && $traffic -nt perf/ring-traffic.c ]] || build_traffic
[[ $build_only -eq 1 ]] && exit 0
find_jdk

pcap=$work/flows.pcap
rules=$work/rules
mkdir -p "$rules"
echo "R198.51.100.0/24 1" >"$rules/v4.cfg" # every flow to port 1 (net_null)
echo "R2001:db8::/32 1" >"$rules/v6.cfg"   # unused; l3fwd wants both files or neither
"$JAVA_HOME/bin/java" -cp "perf/target/perf.jar:perf/target/lib/*" io.dataplane.perf.DpdkPipelineBench --write-pcap "$pcap" --flows 1024

# Hugepages for the ring mode (a secondary process shares the primary's memory only through
# them): 512 x 2 MB reserved when fewer are free, on a hugetlbfs mount of our own; both undone at exit.
hugepages_before=
hugepages_up() {
  local free
  hugepages_before=$(cat /proc/sys/vm/nr_hugepages)
  free=$(awk '/^HugePages_Free/ {print $2}' /proc/meminfo)
  if ((free < 512)); then
    echo $((hugepages_before + 512 - free)) >/proc/sys/vm/nr_hugepages
  fi
  trap hugepages_down EXIT
  free=$(awk '/^HugePages_Free/ {print $2}' /proc/meminfo)
  if ((free < 512)); then
    echo "l3fwd.sh: could reserve only $free of 512 2 MB hugepages for the ring mode (memory short?); try --vdevs pcap" >&2
    exit 1
  fi
  mkdir -p "$huge"
  mountpoint -q "$huge" || mount -t hugetlbfs -o pagesize=2M nodev "$huge"
}
hugepages_down() {
  mountpoint -q "$huge" && umount "$huge"
  [[ -n $hugepages_before ]] && echo "$hugepages_before" >/proc/sys/vm/nr_hugepages
  return 0
}

# Port counters from a DPDK telemetry socket and the on-CPU time of the forwarding thread (the
# main thread, EAL's main lcore): prints "t ipackets(port0) opackets(port1) cpu-ns".
telemetry() {
  python3 - "$1" "$2" <<'PY'
import json, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
s.recv(1024)  # the greeting
def stats(port):
    s.send(("/ethdev/stats,%d" % port).encode())
    return json.loads(s.recv(65536).decode())["/ethdev/stats"]
a, b = stats(0), stats(1)
with open("/proc/%s/task/%s/schedstat" % (sys.argv[2], sys.argv[2])) as f:
    cpu = f.read().split()[0]
print(time.time(), a["ipackets"], b["opackets"], cpu)
PY
}

# ring_traffic PREFIX EGRESS-RINGS SECONDS: the secondary process feeding net_ring0 (lcore 100 on
# CPU 0, an lcore id the primary does not use); prints its own rate as a cross-check.
ring_traffic() {
  "$traffic" --proc-type=secondary --file-prefix "$1" --huge-dir "$huge" --lcores 100@0 --no-pci \
    --log-level lib.eal:warning -- "$pcap" ETH_RXTX0_net_ring0 "$2" "$ring_frames" "$warmup" "$3"
}

# Results, one line per run: "MODE CONTENDER Mpps cpu-ns/frame".
results=$work/results
: >"$results"

l3fwd_run() { # l3fwd_run MODE
  local mode=$1
  local prefix=l3fwd-$$-$mode
  local sock=/var/run/dpdk/$prefix/dpdk_telemetry.v2
  local log=$work/l3fwd.log
  local devices
  if [[ $mode == ring ]]; then
    devices=(-m 256 --huge-dir "$huge" --base-virtaddr "$base_virtaddr" --vdev net_ring0 --vdev net_ring1)
  else
    devices=(--no-huge -m 512 --vdev "net_pcap0,rx_pcap=$pcap,infinite_rx=1" --vdev net_null0)
  fi
  # One lcore, CPU 1, forwards (l3fwd gives every lcore a TX queue, net_pcap has one); EAL's control
  # threads, telemetry among them, run on the other CPUs.
  "$binary" --no-pci --file-prefix "$prefix" -l 1 "${devices[@]}" -- \
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
  local feeder= check=
  if [[ $mode == ring ]]; then
    check=$work/ring-traffic.log
    ring_traffic "$prefix" ETH_RXTX0_net_ring1 $((seconds + 1)) >"$check" 2>&1 &
    feeder=$!
    # The warm-up counts from the first frame, as on our side: the secondary takes a while to attach.
    for _ in $(seq 300); do
      [[ $(telemetry "$sock" $pid | cut -d' ' -f2) != 0 ]] && break
      sleep 0.2
    done
  fi
  sleep "$warmup" # warm-up: the pcap's frames are cached by infinite_rx, the route table is built
  local a b
  a=$(telemetry "$sock" $pid)
  sleep "$seconds"
  b=$(telemetry "$sock" $pid)
  [[ -n $feeder ]] && { wait "$feeder" || true; }
  kill -INT $pid 2>/dev/null || true
  wait $pid 2>/dev/null || true
  awk -v a="$a" -v b="$b" -v mode="$mode" -v results="$results" 'BEGIN { split(a, x, " "); split(b, y, " "); dt = y[1] - x[1]
    rx = (y[2] - x[2]) / dt; tx = (y[3] - x[3]) / dt
    if (rx == 0) { printf "l3fwd LPM %s: nothing received in the window (is the traffic running?)\n", mode; exit }
    cpu = (y[4] - x[4]) / (y[2] - x[2])
    printf "l3fwd LPM %s cpu 1 1024 flows: %.2f Mpps received, %.2f Mpps sent (%.1f ns/frame, forwarding thread cpu %.1f ns/frame)\n",
      mode == "ring" ? "net_ring->net_ring" : "net_pcap->net_null", rx / 1e6, tx / 1e6, 1e9 / rx, cpu
    printf "%s l3fwd %.3f %.1f\n", mode, rx / 1e6, cpu >>results }'
  [[ -n $check ]] && grep -h 'ring-traffic' "$check"
  return 0
}

java_runs=0
java_run() { # java_run MODE [LABEL JAR-DIR]; LABEL single routes every flow to one nexthop
  local mode=$1 label=${2:-ours} jars=${3:-perf/target}
  local args=(--pcap "$pcap" --seconds "$seconds" --warmup "$warmup" --cpu 1 --burst 32)
  [[ $label == single ]] && args+=(--route single)
  # A file prefix of its own per run: "ours" and "before" runs of one round reused one prefix, and 3 of
  # 10 such ring runs (never l3fwd's) ended "Primary process refused secondary attachment".
  java_runs=$((java_runs + 1))
  local prefix=ours-$$-$mode-$java_runs
  local log=$work/ours.log
  if [[ $mode == ring ]]; then
    args+=(--vdevs ring --eal "-m 256 --no-pci --file-prefix $prefix --huge-dir $huge --base-virtaddr $base_virtaddr --no-telemetry")
  fi
  # The JVM's own threads (JIT, GC) stay on CPU 0, as l3fwd's control threads do; the worker pins itself to CPU 1.
  # Bounded: a run that goes wrong must not hold the benchmark lock for ever.
  taskset -c 0 timeout -s KILL $((seconds + 120)) "$JAVA_HOME/bin/java" "${JVM_ARGS[@]}" -cp "$jars/perf.jar:$jars/lib/*" \
    io.dataplane.perf.DpdkPipelineBench "${args[@]}" >"$log" 2>&1 &
  local pid=$! feeder= check=
  if [[ $mode == ring ]]; then
    for _ in $(seq 100); do grep -q '^ready' "$log" && break; sleep 0.2; done
    check=$work/ring-traffic.log
    ring_traffic "$prefix" ETH_RXTX0_net_ring1,ETH_RXTX0_net_ring2 $((seconds + 1)) >"$check" 2>&1 &
    feeder=$!
  fi
  wait $pid || true
  [[ -n $feeder ]] && { wait "$feeder" || true; }
  local line
  line=$(grep 'Mpps' "$log") || { echo "$label: no result; its output:"; tail -15 "$log"; return 1; }
  if [[ $label == ours ]]; then echo "$line"; else echo "$label: $line"; fi
  [[ -n $check ]] && grep -h 'ring-traffic' "$check"
  sed -n 's/.*: \([0-9.]*\) Mpps received, [0-9.]* ns\/frame, worker cpu \([0-9.]*\) ns\/frame.*/\1 \2/p' <<<"$line" \
    | awk -v mode="$mode" -v label="$label" '{ print mode, label, $1, $2 }' >>"$results"
  return 0
}

[[ " ${modes[*]} " == *" ring "* ]] && hugepages_up
echo "# $(date -u +%FT%TZ) load $(cut -d' ' -f1-3 /proc/loadavg); $rounds round(s) of $seconds s each, vdevs: ${modes[*]}"
for r in $(seq "$rounds"); do
  echo "## round $r"
  for mode in "${modes[@]}"; do
    if ((r % 2)); then
      l3fwd_run "$mode" || true
      java_run "$mode" || true
      java_run "$mode" single || true
      [[ -n $before ]] && { java_run "$mode" before "$before" || true; }
    else
      [[ -n $before ]] && { java_run "$mode" before "$before" || true; }
      java_run "$mode" single || true
      java_run "$mode" || true
      l3fwd_run "$mode" || true
    fi
  done
done

# Medians per vdev kind and contender; the ratio is ours over l3fwd in Mpps (and l3fwd's ns over ours).
echo "## medians over $rounds round(s): Mpps received, ns/frame of wall time, ns/frame of forwarding-thread CPU time"
summary=
for mode in "${modes[@]}"; do
  line=$(python3 - "$results" "$mode" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.split()[0] == sys.argv[2]]
def med(who, col):
    v = [float(r[col]) for r in rows if r[1] == who]
    return statistics.median(v) if v else float("nan")
def div(a, b):  # a run that forwarded nothing (or did not run) gives nan, not a crash
    return a / b if b > 0 else float("nan")
l, o = med("l3fwd", 2), med("ours", 2)
lc, oc = med("l3fwd", 3), med("ours", 3)
print("%s l3fwd %.2f Mpps %.1f ns cpu %.1f ns | ours %.2f Mpps %.1f ns cpu %.1f ns | ratio %.2f (cpu %.2f)"
      % (sys.argv[2], l, div(1e3, l), lc, o, div(1e3, o), oc, div(o, l), div(lc, oc)))
s, sc = med("single", 2), med("single", 3)
print("%s single %.2f Mpps %.1f ns cpu %.1f ns | single/l3fwd %.2f (cpu %.2f): l3fwd's job, one route to one port"
      % (sys.argv[2], s, div(1e3, s), sc, div(s, l), div(lc, sc)))
b, bc = med("before", 2), med("before", 3)
if b == b:  # a --before run: the same figures for that build, and ours over it
    print("%s before %.2f Mpps %.1f ns cpu %.1f ns | ours/before %.2f (cpu %.2f) | before/l3fwd %.2f"
          % (sys.argv[2], b, div(1e3, b), bc, div(o, b), div(bc, oc), div(b, l)))
PY
  )
  echo "$line"
  summary+="${summary:+; }$(head -1 <<<"$line" | awk '{ print $1, "l3fwd", $3, "ours", $12, "ratio", $21 }')"
  summary+=" single $(sed -n 2p <<<"$line" | awk '{ print $3, "ratio", $12 }')"
done
echo "l3fwd.sh medians: $summary"
