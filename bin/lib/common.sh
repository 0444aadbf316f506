# Sourced by the bin/ scripts: finds a JDK >= 25 and builds the project when it is out of date.
# shellcheck shell=bash

DATAPLANE_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export DATAPLANE_HOME
# The build compiles with --release 25 (maven.compiler.release in pom.xml): older JDKs cannot run it.
MIN_JDK=25

jdk_feature() { # prints the feature version of the JDK at $1, or nothing
  local v line
  # The JDK's release file says it without starting a JVM (80 ms each, per candidate JDK).
  if [[ -r $1/release ]]; then
    while IFS= read -r line; do
      if [[ $line =~ ^JAVA_VERSION=\"([0-9]+) ]]; then
        echo "${BASH_REMATCH[1]}"
        return
      fi
    done < "$1/release"
  fi
  v=$("$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
  [[ $v =~ ^[0-9]+$ ]] && echo "$v"
}

find_jdk() { # sets JAVA_HOME to a JDK >= MIN_JDK (with javac) or fails with one line
  local cand v
  for cand in "${JAVA_HOME:-}" /usr/lib/jvm/* /opt/java/* /opt/jdk*; do
    [[ -n $cand && -x $cand/bin/java && -x $cand/bin/javac ]] || continue
    v=$(jdk_feature "$cand")
    if [[ -n $v && $v -ge $MIN_JDK ]]; then
      export JAVA_HOME=$cand
      # Maven's own Guava calls sun.misc.Unsafe, which JDK 24+ warns about on every build.
      export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
      return 0
    fi
  done
  echo "error: no JDK $MIN_JDK or newer found (looked at JAVA_HOME, /usr/lib/jvm, /opt); install one (e.g. Temurin $MIN_JDK; Debian 12 packages only up to 17) or point JAVA_HOME at it" >&2
  return 1
}

ensure_maven() {
  command -v mvn >/dev/null 2>&1 && return 0
  echo "installing maven (apt-get install maven)..." >&2
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq maven >/dev/null; } \
    || { echo "error: Maven is missing and 'apt-get install maven' failed; install Maven 3.8+" >&2; return 1; }
}

# Builds (without tests) when a runtime jar is missing or a source file is newer than it.
# A launcher's children (the daemons bin/bench starts with bin/dataplane) skip the check: they run
# the jars their parent runs, even if a source file is edited meanwhile; rebuilding then replaced
# perf.jar under the running harness, which failed to load its next class.
ensure_built() {
  [[ -n ${DATAPLANE_BUILD_CHECKED:-} ]] && return 0
  local stamp=$DATAPLANE_HOME/perf/target/perf.jar
  # Only what goes into the jars counts: main sources, resources, the C shim and the poms.
  if [[ -f $stamp && -z $(find "$DATAPLANE_HOME" \( -path '*/src/main/*' -o -name pom.xml \) -newer "$stamp" -print -quit 2>/dev/null) ]]; then
    export DATAPLANE_BUILD_CHECKED=1
    return 0
  fi
  ensure_maven || return 1
  echo "building dataplane (mvn package, tests skipped; 'bin/test' runs them)..." >&2
  # Maven 3.8 prints colour resets even in batch mode; keep the terminal clean.
  (cd "$DATAPLANE_HOME" && mvn -q -B -DskipTests package) 2>&1 | sed 's/\x1b\[[0-9;]*m//g' >&2
  if [[ ${PIPESTATUS[0]} -ne 0 ]]; then
    echo "error: the build failed; run 'cd $DATAPLANE_HOME && mvn -DskipTests package' to see why" >&2
    return 1
  fi
  # Maven leaves a jar whose content did not change with its old time: mark the build as done.
  touch "$stamp"
  export DATAPLANE_BUILD_CHECKED=1
}

# The flags every JVM of ours needs are declared once, as dataplane.jvm.args in pom.xml (the tests
# and benchmarks get them from there too); read them from that one line.
read -r -a JVM_ARGS <<< "$(sed -n 's:.*<dataplane.jvm.args>\(.*\)</dataplane.jvm.args>.*:\1:p' "$DATAPLANE_HOME/pom.xml")"
if [[ ${#JVM_ARGS[@]} -eq 0 ]]; then
  echo "error: no <dataplane.jvm.args> line in $DATAPLANE_HOME/pom.xml" >&2
  exit 1
fi

run_main() { # run_main MODULE MAINCLASS args...
  local module=$1 main=$2; shift 2
  find_jdk || exit 1
  ensure_built || exit 1
  exec "$JAVA_HOME/bin/java" "${JVM_ARGS[@]}" ${DATAPLANE_JAVA_OPTS:-} \
    -cp "$DATAPLANE_HOME/$module/target/$module.jar:$DATAPLANE_HOME/$module/target/lib/*" "$main" "$@"
}

# A short-lived client (dpctl's Java client) runs with the serial collector instead of the daemon's:
# ZGC sets up its heap in about 250 ms on this 2-vCPU machine, the serial collector in 30 ms, and a
# client that exits within a second gains nothing from ZGC's short pauses.
run_client() { # run_client MODULE MAINCLASS args...
  local a kept=()
  for a in "${JVM_ARGS[@]}"; do
    [[ $a == -XX:+UseZGC || $a == -XX:ZCollectionInterval=* ]] || kept+=("$a")
  done
  JVM_ARGS=("${kept[@]}" -XX:+UseSerialGC)
  run_main "$@"
}
