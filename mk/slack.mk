# Slack destination: its tests, and samples as the team would see them in Slack.
#
#   make test-slack                         the destination's tests
#   make preview-slack [SAMPLES=...]        samples through the source, then as Slack messages
#                                           (FORMAT=text|json; SLACK_WEBHOOK_URL=... posts them)

.PHONY: test-slack preview-slack

SAMPLES ?= samples/events/*.json

test-slack:
	$(CARGO) test -p activity-aware-destination-slack

preview-slack: build-debug
	set -o pipefail; $(DEBUG_BIN)/source-cloudtrail $(SAMPLES) \
		| $(DEBUG_BIN)/destination-slack --format $(FORMAT)
