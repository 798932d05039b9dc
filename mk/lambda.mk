# The Lambda functions: `make build` builds each function's bootstrap for
# Lambda (linux/arm64, static, stripped) into bin/<name>/bootstrap;
# test-lambda runs every function's real binary under aws-lambda-rie
# against the emulated DynamoDB and SQS.

.PHONY: build build-lambda-host test-lambda bench-lambda

LAMBDA_FUNCTIONS := createjob getjob processjob reconcile dlqredrive admin
LAMBDA_GOFLAGS := -trimpath -tags lambda.norpc -ldflags '-s -w'

build:
	@for f in $(LAMBDA_FUNCTIONS); do \
	  CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build $(LAMBDA_GOFLAGS) -o bin/$$f/bootstrap ./functions/$$f || exit 1; \
	  printf '%-26s %8d bytes\n' "bin/$$f/bootstrap" "$$(stat -c %s bin/$$f/bootstrap)"; \
	done

# The same source for this machine's architecture, for aws-lambda-rie.
LAMBDA_HOST_BIN := $(ROOT)/bin/host
build-lambda-host:
	@for f in $(LAMBDA_FUNCTIONS); do \
	  CGO_ENABLED=0 $(GO) build $(LAMBDA_GOFLAGS) -o $(LAMBDA_HOST_BIN)/$$f/bootstrap ./functions/$$f || exit 1; \
	done

# The RIE suite fails (rather than skips) when anything it needs is missing.
LAMBDA_RIE_ENV = JOBLINE_REQUIRE_EMULATORS=1 JOBLINE_LAMBDA_BIN=$(LAMBDA_HOST_BIN) JOBLINE_RIE=$(RIE)

test-lambda: venv tools build-lambda-host
	$(LAMBDA_RIE_ENV) scripts/emulators/with-emulators.sh \
	  $(GO) test -race -count=1 -tags rie -run 'RIE' -bench ColdStart -benchtime 1x -v ./functions/rietest/

bench-lambda: venv tools build-lambda-host
	$(LAMBDA_RIE_ENV) scripts/emulators/with-emulators.sh \
	  $(GO) test -count=1 -tags rie -run '^$$' -bench ColdStart -benchtime 3x ./functions/rietest/

TEST_TARGETS += test-lambda

# `make bench` also prints each function's cold start.
bench: bench-lambda
