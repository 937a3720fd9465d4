# Thin wrapper for the README's two commands; meson does the real work.
# Run as root on Debian 12: `make demo`, `make check`.
SHELL := /bin/bash
BUILD ?= build
MESON_OPTS ?=

# Debian packages the build, the tests and the demo need (installed only when missing).
PACKAGES = gcc pkg-config meson ninja-build libfuse3-dev fuse3 check \
	lxc busybox-static util-linux procps python3 shellcheck \
	lxc-dev libcap-dev libseccomp-dev libapparmor-dev libselinux1-dev qemu-system-x86 \
	libjson-glib-dev podman crun runc python3-yaml \
	libcurl4-openssl-dev libjson-c-dev criu \
	libglib2.0-dev libsoup-3.0-dev libsqlite3-dev btrfs-progs curl jq \
	python3-dev qemu-utils syslinux syslinux-common mtools dosfstools

.PHONY: all deps build install demo check soak bench bench-callgrind fuzz clean

all: build

deps:
	@missing=""; for p in $(PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "Installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(BUILD)/build.ninja:
	meson setup $(BUILD) $(MESON_OPTS)

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

# Installs the daemon, man page and the LXC hooks where LXC looks for them
# (/usr/share/lxcfs, /usr/share/lxc/config/common.conf.d).
install: build
	meson install -C $(BUILD) --quiet

demo: install
	tests/demo.sh $(BUILD)

# Two passes. First the sanitizer pass (tests/sanitize/asan-pass.sh: the same sources built in
# $(ASAN_BUILD) with ASan+UBSan; unit tests, fuzz replays and the integration subset listed in
# that script, any sanitizer report fatal; ASAN=0 leaves it out), then the normal `meson test`
# of $(BUILD). The run ends with the sanitizer pass's one-line recap followed by meson's summary
# of the normal pass (Ok/Fail/Skipped...; its log-file pointer is dropped); it fails when either
# pass failed.
ASAN ?= 1
ASAN_BUILD ?= build-asan
check: install
	@set -o pipefail; asan_rc=0; recap=""; \
	if [ "$(ASAN)" != 0 ]; then \
		tests/sanitize/asan-pass.sh . $(ASAN_BUILD) || asan_rc=1; \
		recap=$$(cat $(ASAN_BUILD)/recap.txt 2>/dev/null || echo "Sanitizer pass: no recap"); \
	fi; \
	meson test -C $(BUILD) --print-errorlogs 2>&1 | sed -u '/^Full log written to/d' | \
		awk -v recap="$$recap" '/^Ok:/ && !done && recap != "" { print recap; print ""; done = 1 } \
			{ print; fflush() }' && [ $$asan_rc = 0 ]

# The churn soak alone, long: tests/integration/test-soak.sh for SOAK_SECONDS (container cycles,
# readers, cgroup churn; the daemon's fds and RSS at start and end). `make check` runs 45 s.
SOAK_SECONDS ?= 600
soak: install
	@set -o pipefail; SOAK_SECONDS=$(SOAK_SECONDS) meson test -C $(BUILD) --logbase soak --verbose \
		--timeout-multiplier $$(( ($(SOAK_SECONDS) + 240) / 300 + 1 )) test-soak 2>&1 | \
		sed -u '/^Full log written to/d'

# Timed, interleaved comparison (a few minutes); instruction counts per read under callgrind.
bench: build
	tests/bench/run-bench.sh $(BUILD)

bench-callgrind: build
	tests/bench/run-bench.sh --callgrind $(BUILD)

# libFuzzer: a separate clang build (-Dfuzzers=true, ASan + UBSan) of the tests/fuzz targets only,
# each run for FUZZ_SECONDS from its seed corpus; prints executions and crashes per target.
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_PACKAGES = clang libclang-rt-14-dev llvm

fuzz: deps
	@missing=""; for p in $(FUZZ_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "Installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	[ -f $(FUZZ_BUILD)/build.ninja ] || CC=clang meson setup $(FUZZ_BUILD) -Dfuzzers=true
	ninja -C $(FUZZ_BUILD) $$(ninja -C $(FUZZ_BUILD) -t targets all | sed -n 's|^\(tests/fuzz/fuzz-[a-z0-9-]*\):.*|\1|p')
	tests/fuzz/run-fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
