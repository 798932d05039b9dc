# AWS backends (DynamoDB, SQS) over the wire against the moto emulator.
# The whole `go test -race ./...` runs once with the emulator up: the table
# and queues are created from template.yaml by scripts/emulators, and the
# AWS tests fail (instead of skipping) when the emulator is missing.

.PHONY: emulators-start emulators-stop dev-aws

GO_TEST_WRAPPER := scripts/emulators/with-emulators.sh
GO_TEST_DEPS += venv
test-go: export JOBLINE_REQUIRE_EMULATORS := 1

# Start the emulator in the background (state in .emulators/); prints the
# env to `eval`.
emulators-start: venv
	scripts/emulators/start.sh $(ROOT)/.emulators

emulators-stop:
	scripts/emulators/stop.sh $(ROOT)/.emulators

# The dev server on DynamoDB and SQS (the emulator, with the resources of
# template.yaml); the emulator stops with the server.
dev-aws: venv
	JOBLINE_BACKEND=aws scripts/emulators/with-emulators.sh $(GO) run ./cmd/devserver

# AWS requests per job and the estimated cost per million jobs, measured on
# the emulator (make bench runs it besides the in-process benchmarks).
.PHONY: bench-aws
bench: bench-aws
bench-aws: venv
	scripts/emulators/with-emulators.sh $(GO) test -run '^$$' -bench RequestsPerJob -benchtime 20x ./internal/awsbackend/
