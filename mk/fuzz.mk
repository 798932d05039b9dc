# Go native fuzzing. `make test` runs every target of FUZZ_TARGETS for a
# fixed number of executions (test-fuzz); the seed corpora live in each
# package's testdata/fuzz/<Target>/ and also run as plain tests in
# `make test-go`. An area adds its targets as package:Target, e.g.
#   FUZZ_TARGETS += ./internal/jobs:FuzzMemCursor
# A failing input is written to testdata/fuzz/<Target>/: commit it with
# the fix, so it stays a test.
#
# The budget is a count, not a duration: with -fuzztime 10s, Go 1.26's fuzz
# coordinator can report its own deadline as a failure ("context deadline
# exceeded", golang/go#75804, fixed in Go 1.27) when a worker is still busy
# at that moment, which a loaded machine makes likely; and a worker
# minimizing a new input (up to 60 s by default) spent most of the 10 s
# without a single execution. A count has no deadline to race: a loaded
# machine only takes longer. FUZZ_EXECS executions per target (about 3 to
# 12 s each on 2 cores), minimizing each new input for at most
# FUZZ_MINIMIZE executions; FUZZ_TIMEOUT stops a target that hangs.

.PHONY: test-fuzz fuzz

FUZZ_EXECS ?= 100000x
FUZZ_MINIMIZE ?= 1000x
FUZZ_TIMEOUT ?= 10m
FUZZ_TARGETS += ./internal/api:FuzzParseCreateRequest ./internal/api:FuzzRouter ./internal/queue:FuzzDecodeJobMessage
FUZZ_TARGETS += ./internal/jobs/dynamostore:FuzzDecodeCursor
FUZZ_TARGETS += ./internal/jobs:FuzzMemoryCursor

TEST_TARGETS += test-fuzz

# One target at a time (go test -fuzz takes one).
test-fuzz fuzz:
	@for target in $(FUZZ_TARGETS); do \
	  pkg=$${target%%:*}; name=$${target##*:}; \
	  echo "fuzz $$name in $$pkg for $(FUZZ_EXECS) executions"; \
	  $(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZ_EXECS) -fuzzminimizetime $(FUZZ_MINIMIZE) \
	    -timeout $(FUZZ_TIMEOUT) $$pkg || exit 1; \
	done
