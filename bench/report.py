#!/usr/bin/env python3
"""Prints the benchmark table from the results `make bench` collected.

Reads, from the output directory given as the first argument: criterion's
estimates (criterion/), workload.json and startup.json from the benchmarks,
rss-*.txt from /usr/bin/time; and the deployment packages from build/.
MB means 10^6 bytes throughout.
"""

import json
import os
import sys

SIZES = [("1-event", "1 event"), ("100-events", "100 events"), ("1mb", "~1 MB")]
PACKAGES = ["build/source-cloudtrail.zip", "build/destination-slack.zip"]
BINARIES = ["source-cloudtrail", "destination-slack"]

MEMORY_TARGET_MB = 32
PACKAGE_TARGET_MB = 5
STARTUP_TARGET_MS = 20
RATIO_TARGET = 0.5

MB = 1_000_000


def load(path):
    try:
        with open(path) as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def median_seconds(out, group, bench):
    estimates = load(os.path.join(out, "criterion", group, bench, "new", "estimates.json"))
    if estimates is None:
        return None
    return estimates["median"]["point_estimate"] / 1e9


def verdict(ok):
    return "PASS" if ok else "MISS"


def main():
    out = sys.argv[1]
    workload = load(os.path.join(out, "workload.json")) or {}
    rows = []
    checks = []

    # 1 and 2: the source and its floor.
    ratios = {}
    for key, shown in SIZES:
        work = workload.get(key)
        times = {
            bench: median_seconds(out, f"pipeline-{key}", bench)
            for bench in ("report-all", "report-findings", "floor")
        }
        for bench, figure in (
            ("report-all", "1. source, `Report::All` (every event standardized + serialized)"),
            ("report-findings", "1. source, `Report::Findings` (default)"),
            ("floor", "2. floor (base64 + gunzip + batch and each event to `Value`)"),
        ):
            seconds = times[bench]
            if work is None or seconds is None:
                rows.append((figure, shown, "not measured"))
                continue
            events = work["events"] / seconds
            megabytes = work["decoded_bytes"] / seconds / MB
            rows.append((figure, shown, f"{events:,.0f} events/s, {megabytes:.1f} MB/s"))
        if times["report-all"] and times["floor"]:
            ratios[shown] = (times["floor"] / times["report-all"],
                             times["floor"] / times["report-findings"])

    # 3: Slack rendering.
    rendering = median_seconds(out, "slack", "render")
    messages = load(os.path.join(out, "criterion", "slack", "render", "new", "benchmark.json"))
    count = (messages or {}).get("throughput", {}).get("Elements")
    if rendering and count:
        result = f"{count / rendering:,.0f} messages/s ({count} corpus messages)"
    else:
        result = "not measured"
    rows.append(("3. Slack: `render` + payload to JSON", "one message", result))

    # 4: peak memory.
    memory = {}
    for report in ("all", "findings"):
        try:
            with open(os.path.join(out, f"rss-{report}.txt")) as handle:
                memory[report] = int(handle.read().split()[-1]) * 1024 / MB
        except (OSError, ValueError, IndexError):
            pass
    if memory:
        result = ", ".join(f"{mb:.1f} MB (report {report})" for report, mb in memory.items())
        checks.append(f"target peak memory < {MEMORY_TARGET_MB} MB for a 1 MB batch: "
                      f"{max(memory.values()):.1f} MB {verdict(max(memory.values()) < MEMORY_TARGET_MB)}")
    else:
        result = "not measured"
        checks.append(f"target peak memory < {MEMORY_TARGET_MB} MB: not measured MISS")
    rows.append(("4. peak RSS, release `source-cloudtrail`, local mode", "~1 MB", result))

    # 5: package sizes.
    for package in PACKAGES:
        if os.path.isfile(package):
            size = os.path.getsize(package) / MB
            result = f"{size:.2f} MB"
            checks.append(f"target {package} < {PACKAGE_TARGET_MB} MB: {size:.2f} MB "
                          f"{verdict(size < PACKAGE_TARGET_MB)}")
        else:
            result = "not built (run make build)"
            checks.append(f"target {package} < {PACKAGE_TARGET_MB} MB: not built (run make build)")
        rows.append(("5. deployment package (arm64 zip)", f"`{package}`", result))

    # 6: start-up.
    startup = load(os.path.join(out, "startup.json")) or {}
    for binary in BINARIES:
        measured = startup.get(binary)
        if measured is None or "median_ms" not in measured:
            reason = (measured or {}).get("error", "no result")
            rows.append(("6. start-up to first `invocation/next`", f"`{binary}`",
                         f"not measured: {reason}"))
            checks.append(f"target start-up {binary} < {STARTUP_TARGET_MS} ms: not measured MISS")
            continue
        median = measured["median_ms"]
        runs = len(measured["runs_ms"])
        rows.append(("6. start-up to first `invocation/next`", f"`{binary}`",
                     f"{median:.1f} ms median of {runs} "
                     f"({measured['min_ms']:.1f}-{measured['max_ms']:.1f})"))
        checks.append(f"target start-up {binary} < {STARTUP_TARGET_MS} ms: {median:.1f} ms "
                      f"{verdict(median < STARTUP_TARGET_MS)}")

    for shown, (all_ratio, findings_ratio) in ratios.items():
        rows.append(("ratio to floor (all / findings)", shown,
                     f"{all_ratio:.2f}x / {findings_ratio:.2f}x"))

    print("| figure | input | result |")
    print("|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print()
    for check in checks:
        print(check)
    if ratios:
        worst = min(all_ratio for all_ratio, _ in ratios.values())
        each = ", ".join(f"{shown} {all_ratio:.2f}x" for shown, (all_ratio, _) in ratios.items())
        print(f"ratio full pipeline (Report::All) to floor >= {RATIO_TARGET}x: {each} "
              f"{verdict(worst >= RATIO_TARGET)}")
    else:
        print(f"ratio full pipeline (Report::All) to floor >= {RATIO_TARGET}x: not measured MISS")


if __name__ == "__main__":
    main()
