# The CDK app: install, synthesize and check the stack, build the functions for Lambda,
# deploy, destroy, and invoke the deployed source.
#
# Deployment settings, as make arguments or environment variables (unset means the stack's
# default; see cdk/README.md):
#   STACK                     stack name (ActivityAware)
#   LOG_GROUP                 existing CloudTrail log group to watch (CloudTrail/DefaultLogGroup)
#   CREATE_TRAIL=true         create a trail and its log group instead
#   FILTER_PATTERN            subscription filter pattern; empty passes every event
#   SLACK_WEBHOOK_CIPHERTEXT  base64 KMS ciphertext of the webhook URL (stack parameter)
#   MIN_SEVERITY              lowest severity sent to Slack: info|low|medium|high|critical
#   ALARM_TOPIC_ARN           existing topic for alarms (a new one is created)
#   LOG_RETENTION_DAYS        function log retention (90)
#   CDK_DEPLOY_FLAGS          more `cdk deploy` flags, e.g. --require-approval never

.PHONY: cdk-install synth test-cdk build deploy destroy invoke-deployed \
	venv-cfn-lint venv-cargo-lambda venv-awscli

CDK_DIR := cdk
VENV := .venv
CFN_LINT_VERSION := 1.58.0
CARGO_LAMBDA_VERSION := 1.9.2
AWSCLI_VERSION := 1.46.3
LAMBDA_BINS := source-cloudtrail destination-slack
LAMBDA_PACKAGES := activity-aware-source-cloudtrail activity-aware-destination-slack
CDK_DEPLOY_FLAGS ?=

# No update checks, no notices, no lookups: synth must work offline and without credentials.
CDK := cd $(CDK_DIR) && CDK_DISABLE_VERSION_CHECK=1 npx --no-install cdk --no-notices
CDK_SYNTH := $(CDK) synth --quiet --no-lookups

CDK_STACK = $(if $(STACK),$(STACK),ActivityAware)

# Quotes a value for the shell.
cdk_quote = '$(subst ','\'',$(1))'

# `-c NAME=VALUE` for a make variable that was given, even empty; nothing for an unset one.
# The value is taken unexpanded: filter patterns hold `$.field`, which make would eat.
cdk_context = $(if $(filter-out undefined,$(origin $(1))),-c $(2)=$(call cdk_quote,$(value $(1))))

CDK_CONTEXT = -c stackName=$(call cdk_quote,$(CDK_STACK)) \
	$(call cdk_context,LOG_GROUP,logGroupName) \
	$(call cdk_context,CREATE_TRAIL,createTrail) \
	$(call cdk_context,FILTER_PATTERN,filterPattern) \
	$(call cdk_context,MIN_SEVERITY,minimumSeverity) \
	$(call cdk_context,ALARM_TOPIC_ARN,alarmTopicArn) \
	$(call cdk_context,LOG_RETENTION_DAYS,logRetentionDays)

CDK_PARAMETERS = $(if $(value SLACK_WEBHOOK_CIPHERTEXT),--parameters \
	SlackWebhookCiphertext=$(call cdk_quote,$(value SLACK_WEBHOOK_CIPHERTEXT)))

# npm ci again whenever the lock file changes.
$(CDK_DIR)/node_modules/.installed: $(CDK_DIR)/package-lock.json
	cd $(CDK_DIR) && npm ci --no-audit --no-fund
	touch $@

cdk-install:
	cd $(CDK_DIR) && npm ci --no-audit --no-fund
	touch $(CDK_DIR)/node_modules/.installed

$(VENV)/bin/python:
	python3 -m venv $(VENV)

# Each installs one pinned tool into the shared virtualenv, and only when it is missing.
venv-cfn-lint: $(VENV)/bin/python
	@$(VENV)/bin/pip show cfn-lint 2>/dev/null | grep -qx 'Version: $(CFN_LINT_VERSION)' \
		|| $(VENV)/bin/pip install --quiet cfn-lint==$(CFN_LINT_VERSION)

venv-cargo-lambda: $(VENV)/bin/python
	@$(VENV)/bin/pip show cargo-lambda 2>/dev/null | grep -qx 'Version: $(CARGO_LAMBDA_VERSION)' \
		|| $(VENV)/bin/pip install --quiet cargo-lambda==$(CARGO_LAMBDA_VERSION)

venv-awscli: $(VENV)/bin/python
	@$(VENV)/bin/pip show awscli 2>/dev/null | grep -qx 'Version: $(AWSCLI_VERSION)' \
		|| $(VENV)/bin/pip install --quiet awscli==$(AWSCLI_VERSION)

synth: $(CDK_DIR)/node_modules/.installed
	$(CDK_SYNTH) $(CDK_CONTEXT)

# Type check, lint, format check, unit tests, then two synthesized variants through cfn-lint.
test-cdk: $(CDK_DIR)/node_modules/.installed venv-cfn-lint
	cd $(CDK_DIR) && npx --no-install tsc --noEmit
	cd $(CDK_DIR) && npx --no-install eslint --max-warnings 0 .
	cd $(CDK_DIR) && npx --no-install prettier --check .
	cd $(CDK_DIR) && npx --no-install jest
	$(CDK_SYNTH) -o cdk.out/default
	$(CDK_SYNTH) -o cdk.out/trail -c createTrail=true -c minimumSeverity=high \
		-c slackWebhookCiphertext=AQIDBAUGBwgJCgsMDQ4PEA==
	$(VENV)/bin/cfn-lint --config-file $(CDK_DIR)/.cfnlintrc.yaml -- \
		$(CDK_DIR)/cdk.out/default/*.template.json $(CDK_DIR)/cdk.out/trail/*.template.json

# Release arm64 zips for Lambda. cargo-lambda brings zig as the cross linker.
build: venv-cargo-lambda
	PATH="$(abspath $(VENV))/bin:$$PATH" $(CARGO) lambda build --release --arm64 \
		--output-format zip $(addprefix -p ,$(LAMBDA_PACKAGES))
	mkdir -p build
	@for bin in $(LAMBDA_BINS); do \
		cp "$(CARGO_TARGET_DIR)/lambda/$$bin/bootstrap.zip" "build/$$bin.zip" || exit 1; \
	done
	python3 scripts/zip-add.py build/source-cloudtrail.zip rules sources/cloudtrail/rules/custom
	@for bin in $(LAMBDA_BINS); do \
		printf '%-24s %9d bytes\n' "build/$$bin.zip" "$$(stat -c %s "build/$$bin.zip")"; \
	done

# The app refuses the placeholder code when requireBuild is set.
deploy: build $(CDK_DIR)/node_modules/.installed
	$(CDK) deploy $(CDK_CONTEXT) -c requireBuild=true $(CDK_PARAMETERS) $(CDK_DEPLOY_FLAGS) \
		$(call cdk_quote,$(CDK_STACK))

destroy: $(CDK_DIR)/node_modules/.installed
	$(CDK) destroy $(CDK_CONTEXT) $(call cdk_quote,$(CDK_STACK))

# Invokes the deployed source with SAMPLE, wrapped into a subscription event when it is a
# CloudTrail event or a {"Records": [...]} file; prints the log tail and the response.
invoke-deployed: venv-awscli
	@test -n "$(STACK)" || { echo 'set STACK=<stack name> to invoke a deployed stack' >&2; exit 1; }
	AWS=$(VENV)/bin/aws scripts/cdk-invoke-deployed.sh $(call cdk_quote,$(STACK)) \
		$(call cdk_quote,$(SAMPLE))
