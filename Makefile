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
# The extra rules the deployed function carries, so that a local run reports
# what the deployment would. RULES= (empty) runs the built-in rules alone.
RULES ?= sources/cloudtrail/rules/custom

# Pass settings through only when they were given, so that unset and empty
# stay different, and unexpanded, so that `$.field` in a filter pattern stays
# as written.
define pass_through
ifneq ($$(origin $(1)),undefined)
override $(1) := $$(value $(1))
export $(1)
endif
endef
$(foreach name,FILTER_PATTERN SLACK_WEBHOOK_URL TOPIC_ARN REPORT AWS_ENDPOINT_URL AWS_REGION \
	AWS_DEFAULT_REGION AWS_PROFILE LOG_LEVEL,$(eval $(call pass_through,$(name))))

SOURCE_FLAGS = $(if $(RULES),--rules '$(RULES)') $(if $(SUPPRESSIONS),--suppressions '$(SUPPRESSIONS)')

.PHONY: help invoke-source test

help:
	@echo "make invoke-source SAMPLE=<file>   what a sample produces, as the team would see it in Slack"
	@echo "    SAMPLE may name several files or a glob, such as 'samples/events/*.json'"
	@echo "    FILTER_PATTERN=...  RULES=<dir>  SUPPRESSIONS=<file>  REPORT=all  FORMAT=json"
	@echo "    SLACK_WEBHOOK_URL=...   post to Slack for real"
	@echo "    TOPIC_ARN=...           publish to an SNS topic (AWS_ENDPOINT_URL for an emulator)"
	@echo "    STACK=<name>            invoke the deployed source function instead"
	@echo "make test                          every test: Rust, pipeline, AWS emulator, CDK, lint"
	@echo "make build-debug                   the debug binaries, in $(DEBUG_BIN)"
	@echo "make build | synth | deploy | destroy | bench | fuzz | failure-table"

# With STACK, the deployed function; with TOPIC_ARN, the topic; otherwise a
# pipe stands in for the topic and the destination shows or posts the result.
ifneq ($(STACK),)
invoke-source: invoke-deployed
else ifneq ($(TOPIC_ARN),)
invoke-source: build-debug
	$(DEBUG_BIN)/source-cloudtrail $(SOURCE_FLAGS) $(SAMPLE)
else
invoke-source: build-debug
	@set -o pipefail; $(DEBUG_BIN)/source-cloudtrail $(SOURCE_FLAGS) $(SAMPLE) \
		| $(DEBUG_BIN)/destination-slack --format $(FORMAT)
endif

include mk/*.mk

test: lint-rust test-rust test-cdk
