# Benchmarks: source throughput against its floor, Slack rendering, peak memory, package size
# and start-up, printed as one table (docs/bench.md says what each figure means).
#
#   make bench          a few minutes; the packages are measured only if `make build` made them

.PHONY: bench bench-tools

BENCH_OUT := $(CARGO_TARGET_DIR)/activity-aware-bench
BENCH_BIN_DIR := $(CARGO_TARGET_DIR)/release
BENCH_ENV := BENCH_OUT='$(BENCH_OUT)' BENCH_BIN_DIR='$(BENCH_BIN_DIR)' \
	CRITERION_HOME='$(BENCH_OUT)/criterion'

# /usr/bin/time measures peak memory; Debian's `time` package brings it.
bench-tools:
	@test -x /usr/bin/time || { apt-get install -y -qq time >/dev/null \
		|| sudo apt-get install -y -qq time >/dev/null; }

bench: bench-tools
	@mkdir -p '$(BENCH_OUT)'
	@rm -f '$(BENCH_OUT)'/rss-*.txt '$(BENCH_OUT)'/startup.json '$(BENCH_OUT)'/workload.json
	@echo 'bench: building release binaries and benchmarks'
	$(CARGO) build --quiet --release --bins -p activity-aware-source-cloudtrail \
		-p activity-aware-destination-slack
	$(CARGO) bench --quiet --no-run -p activity-aware-source-cloudtrail \
		-p activity-aware-destination-slack
	@echo 'bench: source pipeline and floor (log in $(BENCH_OUT)/pipeline.log)'
	@$(BENCH_ENV) $(CARGO) bench --quiet -p activity-aware-source-cloudtrail --bench pipeline \
		> '$(BENCH_OUT)/pipeline.log' 2>&1 || { cat '$(BENCH_OUT)/pipeline.log'; exit 1; }
	@echo 'bench: Slack rendering (log in $(BENCH_OUT)/render.log)'
	@$(BENCH_ENV) $(CARGO) bench --quiet -p activity-aware-destination-slack --bench render \
		> '$(BENCH_OUT)/render.log' 2>&1 || { cat '$(BENCH_OUT)/render.log'; exit 1; }
	@echo 'bench: start-up against a stand-in runtime API'
	@$(BENCH_ENV) $(CARGO) bench --quiet -p activity-aware-source-cloudtrail --bench startup \
		> '$(BENCH_OUT)/startup.log' 2>&1 || { cat '$(BENCH_OUT)/startup.log'; exit 1; }
	@echo 'bench: peak memory on a 1 MB batch'
	@for report in all findings; do \
		env -u TOPIC_ARN -u AWS_LAMBDA_RUNTIME_API -u FILTER_PATTERN -u RULES_DIR \
			-u SUPPRESSIONS_FILE REPORT=$$report \
			/usr/bin/time -f '%M' -o '$(BENCH_OUT)'/rss-$$report.txt \
			'$(BENCH_BIN_DIR)/source-cloudtrail' '$(BENCH_OUT)/batch-1mb.json' \
			> /dev/null 2> '$(BENCH_OUT)'/rss-$$report.log \
			|| { cat '$(BENCH_OUT)'/rss-$$report.log; exit 1; }; \
	done
	@echo
	@python3 bench/report.py '$(BENCH_OUT)'
