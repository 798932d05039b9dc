# Go native fuzzing. `make test` runs every target of FUZZ_TARGETS for
# FUZZ_TIME (test-fuzz); the seed corpora live in each package's
# testdata/fuzz/<Target>/ and also run as plain tests in `make test-go`.
# An area adds its targets as package:Target, e.g.
#   FUZZ_TARGETS += ./internal/jobs:FuzzMemCursor
# A failing input is written to testdata/fuzz/<Target>/: commit it with
# the fix, so it stays a test.

.PHONY: test-fuzz fuzz

FUZZ_TIME ?= 10s
FUZZ_TARGETS += ./internal/api:FuzzParseCreateRequest ./internal/api:FuzzRouter ./internal/queue:FuzzDecodeJobMessage
FUZZ_TARGETS += ./internal/jobs/dynamostore:FuzzDecodeCursor
FUZZ_TARGETS += ./internal/jobs:FuzzMemoryCursor

TEST_TARGETS += test-fuzz

# One target at a time (go test -fuzz takes one), each for FUZZ_TIME.
test-fuzz fuzz:
	@for target in $(FUZZ_TARGETS); do \
	  pkg=$${target%%:*}; name=$${target##*:}; \
	  echo "fuzz $$name in $$pkg for $(FUZZ_TIME)"; \
	  $(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZ_TIME) $$pkg || exit 1; \
	done
