# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
# A minimal TAP layer for the container scripts (test-lxc-container.sh, test-sysinfo.sh), which
# print a fixed plan. Sourced; the caller sets PLAN and calls tap_plan before the first test.

N=0		# tests printed so far
FAILED=0	# of them, failures

# skip REASON: the whole test cannot run here. exit 77 = skipped; meson 1.0's TAP runner calls
# any non-zero status an ERROR, so under meson (LXT_MESON=1) the "1..0 # SKIP" plan alone
# reports the skip.
skip() {
	echo "1..0 # SKIP $*"
	echo "$(basename "$0" .sh): skipped: $*" >&2
	[[ ${LXT_MESON:-} == 1 ]] && exit 0
	exit 77
}
bail() { echo "Bail out! $*"; exit 99; }
diag() { sed 's/^/# /'; }

tap_plan() { echo "1..$PLAN"; }
ok() { N=$((N + 1)); echo "ok $N - $1"; }
not_ok() { N=$((N + 1)); FAILED=$((FAILED + 1)); echo "not ok $N - $1 # got ${2:-?} want ${3:-?}"; }
# check DESC GOT WANT: string equality
check() { if [[ $2 == "$3" ]]; then ok "$1"; else not_ok "$1" "'$2'" "'$3'"; fi; }
# skip_rest REASON: the tests still left in the plan (after a step they all depend on failed)
skip_rest()
{
	while ((N < PLAN)); do
		N=$((N + 1))
		echo "ok $N - # SKIP $1"
	done
	exit 1
}
