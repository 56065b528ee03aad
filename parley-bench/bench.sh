#!/usr/bin/env bash
# Runs the Parley benchmark CLI on the bench module's runtime classpath.
# Build first: ./mvnw -B -q install -DskipTests
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cpfile="$here/target/bench.classpath"
if [[ ! -s "$cpfile" || "$here/pom.xml" -nt "$cpfile" ]]; then
  (cd "$here/.." && ./mvnw -B -q -pl parley-bench dependency:build-classpath \
     -Dmdep.outputFile="$cpfile" -Dmdep.includeScope=runtime >/dev/null)
fi
java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"
exec "$java_bin" ${BENCH_JVM_OPTS:-} -cp "$here/target/classes:$(cat "$cpfile")" io.parley.bench.BenchMain "$@"
