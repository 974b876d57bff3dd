# The local AWS API emulator the integration tests run SNS, SQS and KMS against.
#
#   make venv          moto in server mode, pinned, in the repository's .venv
#   make test-aws      the tests that start it
#   make corpus-through-emulator   every corpus trail log through the source's command line
#                                  into an emulated topic with an SQS subscription, checked
#
# Tests find the server through MOTO_SERVER; without it they look for .venv/bin/moto_server.

.PHONY: venv test-aws corpus-through-emulator

MOTO_VERSION := 5.2.5
# For scripts/corpus-through-emulator.sh, which checks messages against the schema.
JSONSCHEMA_VERSION := 4.26.0
AWS_VENV := .venv
MOTO_STAMP := $(AWS_VENV)/.moto-$(MOTO_VERSION)-jsonschema-$(JSONSCHEMA_VERSION)

export MOTO_SERVER ?= $(CURDIR)/$(AWS_VENV)/bin/moto_server

$(AWS_VENV)/bin/pip:
	python3 -m venv $(AWS_VENV)

# Installs only what the emulator tests use; other targets put their own tools into the
# same virtualenv.
$(MOTO_STAMP): | $(AWS_VENV)/bin/pip
	$(AWS_VENV)/bin/pip install --quiet --disable-pip-version-check \
		'moto[server]==$(MOTO_VERSION)' 'jsonschema==$(JSONSCHEMA_VERSION)'
	touch $@

venv: $(MOTO_STAMP)

test-rust: venv

test-aws: venv
	$(CARGO) test -p activity-aware-aws-tests

corpus-through-emulator: venv build-debug
	scripts/corpus-through-emulator.sh
