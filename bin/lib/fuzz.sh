# Sourced by bin/test and bin/bench: runs the pipeline's differential fuzz test
# (dataplane's io.dataplane.fuzz.PipelineFuzzTest) coverage-guided with Jazzer and says what it did.
# shellcheck shell=bash

# pipeline_fuzz SECONDS: fuzzes for SECONDS, then prints inputs and frames run, coverage and
# disagreements. Everything Jazzer writes (its generated corpus, crash files) stays under
# dataplane/target/jazzer, never in the source tree; a finding is printed with its input file and
# makes the function return 1. Jazzer stops at the first finding.
pipeline_fuzz() {
  local seconds=$1 work=$DATAPLANE_HOME/dataplane/target/jazzer rc=0
  mkdir -p "$work"
  rm -f "$work"/crash-* "$work"/fuzz.log
  echo "fuzz: PipelineFuzzTest for ${seconds}s (log: $work/fuzz.log)"
  # jazzer.internal.basedir: where the generated corpus and findings go (relative to the module).
  # Coverage is taken over our classes only, less StrideTable, whose table-filling loops only
  # measure how long a route is. Value profiling guides the fuzzer by compared values too (a hash
  # against a group's bounds). The last jazzer.internal.arg overrides @FuzzTest's maxDuration.
  (cd "$DATAPLANE_HOME" && JAZZER_FUZZ=1 mvn -B -ntp -pl dataplane -am test \
    -Dtest=PipelineFuzzTest -Dsurefire.failIfNoSpecifiedTests=false \
    -Djazzer.instrument='io.dataplane.**' -Djazzer.instrumentation_excludes=io.dataplane.tables.StrideTable \
    -Djazzer.valueprofile=true \
    -Djazzer.internal.basedir=target/jazzer \
    -Djazzer.internal.arg.0=fuzz -Djazzer.internal.arg.1=-max_total_time="$seconds") >"$work/fuzz.log" 2>&1 || rc=$?
  local last execs cov ft corpus ran crashes
  # (|| true: bin/test runs with errexit and pipefail, and a run that died early has no such lines)
  last=$(grep -E '^#[0-9]+' "$work/fuzz.log" | tail -1 || true)
  execs=$(sed -nE 's/^#([0-9]+).*/\1/p' <<<"$last")
  cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$last")
  ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$last")
  corpus=$(sed -nE 's/.* corp: ([0-9]+).*/\1/p' <<<"$last")
  ran=$(grep -oE 'PipelineFuzzTest: [0-9]+ inputs, [0-9]+ frames' "$work/fuzz.log" | tail -1 || true)
  crashes=$(find "$work" -maxdepth 1 -name 'crash-*' | sort)
  echo "fuzz: ${execs:-0} executions in ${seconds}s (${ran:-no count printed}); coverage: ${cov:-?} edges (cov), ${ft:-?} features (ft), corpus ${corpus:-?} inputs"
  if [[ -n $crashes ]]; then
    echo "fuzz: disagreements: 1 (Jazzer stops at the first); the finding:" >&2
    grep -m1 -A12 -E 'AssertionError|Exception' "$work/fuzz.log" | sed 's/^/  /' >&2 || true
    echo "fuzz: input: $crashes (copy it to dataplane/src/test/resources/io/dataplane/fuzz/PipelineFuzzTestInputs/pipelineAgreesWithTheModel/ to replay it in every mvn test)" >&2
    return 1
  fi
  if [[ $rc -ne 0 || -z $execs ]]; then
    echo "fuzz: the fuzz run failed without a finding (exit $rc); see $work/fuzz.log" >&2
    return 1
  fi
  echo "fuzz: disagreements: 0"
}
