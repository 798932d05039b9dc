# Jobline. The two commands: `make dev` runs the whole system locally;
# `make test` installs what the tests need and runs every test.
# Each area keeps its targets in mk/<area>.mk.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
GO ?= go
export GOFLAGS := -buildvcs=false
ROOT := $(CURDIR)
VENV := $(ROOT)/.venv
TOOLS := $(ROOT)/.tools
export PATH := $(TOOLS)/bin:$(VENV)/bin:$(PATH)

# GO_TEST_WRAPPER runs `go test` inside a prepared environment (mk/aws.mk
# sets it to start the DynamoDB and SQS emulators around the run).
GO_TEST_WRAPPER ?=
# Extra prerequisites of test-go (for example the emulator install).
GO_TEST_DEPS ?=

.PHONY: dev test test-go vet bench build clean

# Area fragments; they may set the variables above and add to TEST_TARGETS.
TEST_TARGETS := test-go
include $(wildcard mk/*.mk)

dev:
	$(GO) run ./cmd/devserver

test: $(TEST_TARGETS)
	@echo "make test: all suites passed ($(TEST_TARGETS))"

# go vet, and gofmt: an unformatted file fails the build.
vet:
	$(GO) vet ./...
	@unformatted="$$(gofmt -l cmd functions internal)"; \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi

test-go: vet $(GO_TEST_DEPS)
	$(GO_TEST_WRAPPER) $(GO) test -race -count=1 ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

clean:
	rm -rf bin .aws-sam test-artifacts
