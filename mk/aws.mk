# AWS backends (DynamoDB, SQS) over the wire against the moto emulator.
# The whole `go test -race ./...` runs once with the emulator up: the table
# and queues are created from template.yaml by scripts/emulators, and the
# AWS tests fail (instead of skipping) when the emulator is missing.

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

# The dev server on DynamoDB and SQS in the emulator (the resources of
# template.yaml). It reuses an emulator already started with
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

# AWS requests per job and the estimated cost per million jobs, measured on
# the emulator (make bench runs it besides the in-process benchmarks).
.PHONY: bench-aws
bench: bench-aws
bench-aws: venv
	scripts/emulators/with-emulators.sh $(GO) test -run '^$$' -bench RequestsPerJob -benchtime 20x ./internal/awsbackend/
