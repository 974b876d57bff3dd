# Activity Aware: the commands a person types.
#
#   make invoke-source SAMPLE=samples/...   what a sample produces, as Slack would show it
#   make test                               every test
#
# Settings work as make arguments or environment variables. An empty
# FILTER_PATTERN (FILTER_PATTERN=) matches every event; an unset one means
# the default pattern.

SHELL := /bin/bash
.DEFAULT_GOAL := help

export CARGO_TARGET_DIR ?= $(HOME)/.cache/activity-aware/target
CARGO ?= cargo
DEBUG_BIN := $(CARGO_TARGET_DIR)/debug

SAMPLE ?= samples/events/iam-user-access-denied-assume-role.json
FORMAT ?= text

# Pass settings through only when they were given, so that unset and empty
# stay different.
define pass_through
ifneq ($$(origin $(1)),undefined)
export $(1)
endif
endef
$(foreach name,FILTER_PATTERN SLACK_WEBHOOK_URL TOPIC_ARN RULES SUPPRESSIONS AWS_ENDPOINT_URL AWS_REGION STACK,$(eval $(call pass_through,$(name))))

.PHONY: help
help:
	@echo "make invoke-source SAMPLE=<file>   run a sample through the source and the Slack destination"
	@echo "make test                          run every test (Rust, CDK, lint)"
	@echo "make build | synth | deploy | destroy | bench | fuzz"

include mk/*.mk
