#!/usr/bin/env bash
# Which vectorgrad kernels does C2 compile past its inlining cutoff, with Vector API code inlined late (the way a
# kernel ends up boxing vectors in some JVMs)? Runs the allocation tests and GemmTest with -XX:+LogCompilation and
# reads the logs with C2ParseBudgetProbe (its doc explains the output). Exit status 1 when there is one.
#   kernels-vector/c2-probe.sh [TestClass,...]   (~50 s; extra JVM options in C2_PROBE_JAVA_OPTS; C2_PROBE_KEEP=1 keeps
#   the logs and prints where, for java -Dtree=Method ... C2ParseBudgetProbe LOG: the inline tree of a compilation)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TESTS="${1:-ConvTrainingAllocationTest,SteadyStateAllocationTest,VMathAllocationTest,GemmTest}"
LOGS="$(mktemp -d)"
trap '[ -n "${C2_PROBE_KEEP:-}" ] || rm -rf "$LOGS"' EXIT
JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH" MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
mvn -B -q -Dstyle.color=never -f "$ROOT/pom.xml" -pl kernels-vector test -Dtest="$TESTS" \
  "-Dvg.jvm.args=--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UnlockDiagnosticVMOptions -XX:+LogCompilation -XX:LogFile=$LOGS/run-%p.log ${C2_PROBE_JAVA_OPTS:-}" >&2
[ -n "${C2_PROBE_KEEP:-}" ] && echo "logs: $LOGS" >&2
java -cp "$ROOT/kernels-vector/target/test-classes" dev.vectorgrad.kernels.C2ParseBudgetProbe "$LOGS"/run-*.log
