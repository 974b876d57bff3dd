# Hardening: hostile input and failing neighbours.
#
#   make failure-table   runs every bad input and injected failure against the AWS API
#                        emulator and local stand-ins; prints a markdown table of outcomes
#   make fuzz            each cargo-fuzz target for FUZZ_SECONDS (default 60) seconds
#
# Only the installed stable toolchain exists, so cargo-fuzz runs with RUSTC_BOOTSTRAP=1 and
# no sanitizer (libFuzzer's coverage instrumentation works on stable; AddressSanitizer needs
# a nightly standard library). Crashes land in fuzz/artifacts/<target>/.

.PHONY: failure-table fuzz fuzz-tools

FUZZ_SECONDS ?= 60
FUZZ_TARGETS := subscription slack_render filter_pattern
CARGO_FUZZ_VERSION := 0.13.2
FUZZ_TARGET_DIR := $(dir $(CARGO_TARGET_DIR))fuzz-target

failure-table: venv
	@$(CARGO) build --quiet -p activity-aware-hardening-tests --bin failure-table
	@$(DEBUG_BIN)/failure-table

fuzz-tools:
	@cargo fuzz --version 2>/dev/null | grep -q ' $(CARGO_FUZZ_VERSION)$$' \
		|| $(CARGO) install --quiet --locked cargo-fuzz --version $(CARGO_FUZZ_VERSION)

fuzz: fuzz-tools
	@set -o pipefail; for target in $(FUZZ_TARGETS); do \
		echo "fuzz: $$target for $(FUZZ_SECONDS) s"; \
		mkdir -p fuzz/corpus/$$target; \
		(cd fuzz && RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR='$(FUZZ_TARGET_DIR)' \
			cargo fuzz run --sanitizer none $$target corpus/$$target -- \
			-max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=10 -rss_limit_mb=4096 \
			-print_final_stats=1 2>&1 | tail -n 14) || exit 1; \
	done
