#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# verify-unit.sh UNIT BINARY: "systemd-analyze verify" of the configured lxcfs.service.
#
# It works offline, without systemd as PID 1 (systemd 252): --man=no because the man page is
# not installed yet while testing the build tree (with it, verify runs man(1) on
# Documentation=man:lxcfs(1) and fails), --generators=no so no generator runs against this
# machine's /run. Verify needs every Exec*= program to exist: when the unit's ExecStart=
# binary is not installed, a copy of the unit whose ExecStart= names BINARY (the build tree's
# lxcfs) is verified instead; every other line is the configured unit's.
#
# Exit status: 0 when verify succeeded and printed nothing (an unknown key or a bad value is
# only a warning to systemd, but a failure here), 1 otherwise, 77 (skip) when systemd-analyze
# is not installed.
set -u

unit=${1:?usage: verify-unit.sh UNIT BINARY}
bin=${2:?usage: verify-unit.sh UNIT BINARY}

if ! command -v systemd-analyze >/dev/null; then
	echo "SKIP: systemd-analyze is not installed (Debian package systemd)"
	exit 77
fi
[[ -f $unit ]] || { echo "FAIL: unit '$unit' does not exist"; exit 1; }

exec_bin=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$unit")
if [[ -z $exec_bin ]]; then
	echo "FAIL: no ExecStart= in '$unit'"
	exit 1
fi

tmp=$(mktemp -d /tmp/lxkit-verify-unit-XXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
# the unit's own name: verify derives the unit name from the file name
target=$tmp/$(basename "$unit")
if [[ -x $exec_bin ]]; then
	cp "$unit" "$target"
	echo "verifying $unit as configured (ExecStart binary $exec_bin exists)"
else
	[[ -x $bin ]] || { echo "FAIL: neither '$exec_bin' nor '$bin' is executable"; exit 1; }
	sed "s|^ExecStart=$exec_bin |ExecStart=$bin |" "$unit" >"$target"
	echo "verifying $unit with ExecStart=$bin ($exec_bin is not installed)"
fi

out=$(systemd-analyze verify --man=no --generators=no "$target" 2>&1)
rc=$?
[[ -n $out ]] && printf '%s\n' "$out"
if ((rc != 0)); then
	echo "FAIL: systemd-analyze verify exited with $rc"
	exit 1
fi
if [[ -n $out ]]; then
	echo "FAIL: systemd-analyze verify printed diagnostics (see above)"
	exit 1
fi
echo "PASS: systemd-analyze verify found nothing to report"
