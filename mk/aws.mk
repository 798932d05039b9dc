# AWS backends (DynamoDB, SQS, S3) over the wire against the moto emulator.
# The whole `go test -race ./...` runs once with the emulator up: template.yaml
# is deployed into it as a CloudFormation stack by scripts/emulators, and
# the AWS tests fail (instead of skipping) when the emulator is missing.

.PHONY: emulators-start emulators-stop dev-aws

GO_TEST_WRAPPER := scripts/emulators/with-emulators.sh
GO_TEST_DEPS += venv
test-go: export JOBLINE_REQUIRE_EMULATORS := 1

# The emulator's state (pid, port, log) and its environment live in
# .emulators/ (gitignored); .emulators/env holds export lines that point
# Jobline, the CLI and the AWS CLI at it.
EMULATORS := $(ROOT)/.emulators

# Start the emulator in the background and print its environment, and
# nothing else on stdout: eval "$$(make emulators-start)".
emulators-start:
	@$(MAKE) -s venv >&2
	@scripts/emulators/start.sh $(EMULATORS)

emulators-stop:
	@scripts/emulators/stop.sh $(EMULATORS)

# The dev server on DynamoDB and SQS in the emulator (template.yaml
# deployed as a stack). It reuses an emulator already started with
# `make emulators-start` (and leaves it running); otherwise it starts one
# and stops it with the server. Either way .emulators/env is the
# environment to point the CLI at, from another terminal:
#   set -a; . .emulators/env; set +a; go run ./functions/dlqredrive list
dev-aws: venv web-build
	@if [[ -f $(EMULATORS)/pid && -s $(EMULATORS)/env ]] && kill -0 "$$(cat $(EMULATORS)/pid)" 2>/dev/null; then \
	  echo "dev-aws: using the running emulator ($(EMULATORS)/env)" >&2; own=0; \
	else \
	  scripts/emulators/start.sh $(EMULATORS) >/dev/null; own=1; \
	fi; \
	if [[ $$own == 1 ]]; then trap 'scripts/emulators/stop.sh $(EMULATORS)' EXIT; fi; \
	echo "dev-aws: emulator environment in .emulators/env; for the CLI: set -a; . .emulators/env; set +a" >&2; \
	set -a; . $(EMULATORS)/env; set +a; \
	JOBLINE_BACKEND=aws $(GO) run ./cmd/devserver

# What a job costs on AWS, measured on the emulator: requests, DynamoDB
# capacity units (metered by DynamoDB's rules on template.yaml's table) and
# dollars per million jobs at list prices, per job type with a browser
# following it, and per store operation (make bench runs it besides the
# in-process benchmarks).
.PHONY: bench-aws
bench: bench-aws
bench-aws: venv
	JOBLINE_REQUIRE_EMULATORS=1 scripts/emulators/with-emulators.sh $(GO) test -run '^$$' -bench CostPerJob -benchtime 1x ./internal/awsbackend/
