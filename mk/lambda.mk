# The Lambda functions: `make build` builds each function's bootstrap for
# Lambda (linux/arm64, static, stripped) into bin/<name>/bootstrap, with
# the hello-world reference of the budgets (functions/rietest/hello) built
# by the same command, and prints each size beside hello's with the ratio
# (budget: 1.3x); test-lambda runs every function's real binary under
# aws-lambda-rie against the emulated DynamoDB, SQS and S3; bench-lambda
# measures cold starts interleaved with hello's (budget: 1.1x).

.PHONY: build build-lambda-host test-lambda bench-lambda

LAMBDA_FUNCTIONS := createjob getjob processjob reconcile dlqredrive admin
LAMBDA_GOFLAGS := -trimpath -tags lambda.norpc -ldflags '-s -w'
# The reference of the size and cold-start budgets.
LAMBDA_HELLO := functions/rietest/hello

build:
	@CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build $(LAMBDA_GOFLAGS) -o bin/hello/bootstrap ./$(LAMBDA_HELLO)
	@hello=$$(stat -c %s bin/hello/bootstrap); \
	printf '%-26s %9s  %s\n' "linux/arm64 bootstrap" "bytes" "x hello (budget 1.30)"; \
	printf '%-26s %9d  %s\n' "bin/hello/bootstrap" "$$hello" "1.00"; \
	for f in $(LAMBDA_FUNCTIONS); do \
	  CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build $(LAMBDA_GOFLAGS) -o bin/$$f/bootstrap ./functions/$$f || exit 1; \
	  size=$$(stat -c %s bin/$$f/bootstrap); \
	  printf '%-26s %9d  %s\n' "bin/$$f/bootstrap" "$$size" "$$(awk -v s=$$size -v h=$$hello 'BEGIN{printf "%.2f", s/h}')"; \
	done

# The same sources for this machine's architecture, for aws-lambda-rie.
LAMBDA_HOST_BIN := $(ROOT)/bin/host
build-lambda-host:
	@for f in $(LAMBDA_FUNCTIONS); do \
	  CGO_ENABLED=0 $(GO) build $(LAMBDA_GOFLAGS) -o $(LAMBDA_HOST_BIN)/$$f/bootstrap ./functions/$$f || exit 1; \
	done
	@CGO_ENABLED=0 $(GO) build $(LAMBDA_GOFLAGS) -o $(LAMBDA_HOST_BIN)/hello/bootstrap ./$(LAMBDA_HELLO)

# The RIE suite fails (rather than skips) when anything it needs is missing.
LAMBDA_RIE_ENV = JOBLINE_REQUIRE_EMULATORS=1 JOBLINE_LAMBDA_BIN=$(LAMBDA_HOST_BIN) JOBLINE_RIE=$(RIE)
# bench-lambda: rounds of the interleaved cold-start benchmark, and an
# optional directory of earlier bootstraps (<dir>/<function>/bootstrap) to
# measure in the same rounds: make bench-lambda LAMBDA_BIN_BEFORE=/path.
# 1001 rounds (about 4 minutes) pin a ratio within about +-2% on a shared
# machine (the 95% interval it prints); 101 rounds only within +-5%.
COLDSTART_ROUNDS ?= 1001
LAMBDA_BIN_BEFORE ?=

test-lambda: venv tools build-lambda-host
	$(LAMBDA_RIE_ENV) JOBLINE_COLDSTART_ROUNDS=1 scripts/emulators/with-emulators.sh \
	  $(GO) test -race -count=1 -tags rie -run 'RIE' -bench ColdStart -benchtime 1x -v ./functions/rietest/

bench-lambda: venv tools build-lambda-host
	$(LAMBDA_RIE_ENV) JOBLINE_COLDSTART_ROUNDS=$(COLDSTART_ROUNDS) JOBLINE_LAMBDA_BIN_BEFORE=$(LAMBDA_BIN_BEFORE) \
	  scripts/emulators/with-emulators.sh \
	  $(GO) test -count=1 -tags rie -run '^$$' -bench ColdStart -benchtime 1x ./functions/rietest/

TEST_TARGETS += test-lambda

# `make bench` also prints each function's cold start.
bench: bench-lambda
