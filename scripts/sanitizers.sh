#!/usr/bin/env bash
# Runs the test suite under a sanitizer: thread (ThreadSanitizer: the explorer's worker and UI, the
# engine's parallel loops, eval shards) or address (AddressSanitizer). The build goes to its own
# folder (.build-SANITIZER) so the normal one is untouched; the dnr executable the CLI tests spawn is
# instrumented too, and every report (from the tests or a child) lands in .build-SANITIZER/reports.
# Usage: scripts/sanitizers.sh thread|address [swift test --filter PATTERN]
set -euo pipefail
cd "$(dirname "$0")/.."
sanitizer=${1:?usage: scripts/sanitizers.sh thread|address [FILTER]}
filter=${2:-}
build=.build-$sanitizer
reports=$PWD/$build/reports
rm -rf "$reports" && mkdir -p "$reports"
swift build --build-tests --sanitize="$sanitizer" --scratch-path "$build" 2>&1 | grep -E "error|Compiling|Build complete" | tail -3
case $sanitizer in
  thread) export TSAN_OPTIONS="halt_on_error=0 log_path=$reports/report" ;;
  address) export ASAN_OPTIONS="halt_on_error=0 detect_leaks=0 log_path=$reports/report" ;;
esac
status=0
swift test --skip-build --sanitize="$sanitizer" --scratch-path "$build" ${filter:+--filter "$filter"} > "$build/test.log" 2>&1 || status=$?
grep -E "✘|Test run with" "$build/test.log" | head -20  # the failures, if any, and the count (whole log: $build/test.log)
count=$(find "$reports" -type f | wc -l)
echo "$sanitizer sanitizer: $count report file(s) in $reports; tests exited with $status"
[ "$count" -eq 0 ] || { head -40 "$reports"/*; exit 1; }
exit $status
