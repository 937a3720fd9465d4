#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs every libFuzzer target of a -Dfuzzers=true build for SECONDS each (JOBS at a time),
# starting from its seed corpus tests/fuzz/corpus/<target>/, and prints executions and crashes
# per target. New corpus entries go to BUILD/fuzz-work/<target>/corpus (the seeds in git are
# not touched); crashes to BUILD/fuzz-work/<target>/crash-* (and leak-*, timeout-*, oom-*).
# Usage: run-fuzz.sh BUILD [SECONDS] [TARGET...]; exit 1 when any target crashed.
set -eu

build=$1
seconds=${2:-60}
shift $(( $# > 1 ? 2 : 1 ))
src=$(cd "$(dirname "$0")" && pwd)
jobs=${FUZZ_JOBS:-$(nproc)}
work=$build/fuzz-work

if [ $# -gt 0 ]; then
	targets=("$@")
else
	mapfile -t targets < <(find "$build/tests/fuzz" -maxdepth 1 -type f -executable -name 'fuzz-*' \
		-printf '%f\n' | sed 's/^fuzz-//' | sort)
fi
[ ${#targets[@]} -gt 0 ] || { echo "No fuzz targets in $build/tests/fuzz" >&2; exit 1; }

run_one() {
	local t=$1 dir=$work/$1
	rm -rf "$dir/crash-"* "$dir/leak-"* "$dir/timeout-"* "$dir/oom-"* 2>/dev/null || true
	mkdir -p "$dir/corpus"
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
		"$build/tests/fuzz/fuzz-$t" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$dir/" "$dir/corpus" "$src/corpus/$t" \
		> "$dir/log" 2>&1 || true
}
export -f run_one
export build work src seconds

echo "Fuzzing ${#targets[@]} targets for ${seconds}s each, $jobs at a time (logs: $work/<target>/log)"
printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -I{} bash -c 'run_one {}'

fail=0
printf '%-18s %14s %10s %8s  %s\n' target executions exec/s corpus crashes
for t in "${targets[@]}"; do
	dir=$work/$t
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/log" | tail -1)
	corpus=$(find "$dir/corpus" -type f | wc -l)
	crashes=$(find "$dir" -maxdepth 1 \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
		-o -name 'oom-*' \) | sort | xargs -r -n1 basename | tr '\n' ' ')
	if [ -z "$execs" ] || [ -n "$crashes" ]; then
		fail=1
		[ -n "$crashes" ] || crashes="(no final stats: see $dir/log)"
	fi
	printf '%-18s %14s %10s %8s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "$corpus" "${crashes:-0}"
done
exit $fail
