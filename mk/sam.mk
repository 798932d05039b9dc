# The SAM application: lint the template with the AWS tools, check what the
# stack guarantees (scripts/stack: least privilege, log retention, alarms,
# dead-letter settings) and scan it with checkov (.checkov.yaml), and build
# it the way `sam build` does for a deploy (no Docker: the go1.x build
# method uses the local Go toolchain).

.PHONY: sam-validate sam-lint stack-test checkov sam-build test-sam

SAM := $(VENV)/bin/sam
CFN_LINT := $(VENV)/bin/cfn-lint
# SAM CLI writes its config under HOME; keep it inside the project.
# Go's module and build caches stay the user's own, so `sam build` reuses
# what `go build` already compiled instead of starting from nothing.
SAM_ENV := SAM_CLI_TELEMETRY=0 HOME=$(ROOT)/.aws-sam/home AWS_DEFAULT_REGION=us-east-1 \
	GOCACHE=$(shell $(GO) env GOCACHE) GOMODCACHE=$(shell $(GO) env GOMODCACHE)
# The flags `make build` uses, passed through the environment because the
# go1.x build method only knows -trimpath (TrimGoPath). -s implies -w.
SAM_GO_ENV := CGO_ENABLED=0 GOFLAGS="-buildvcs=false -tags=lambda.norpc -ldflags=-s"

sam-validate: venv
	@mkdir -p $(ROOT)/.aws-sam/home
	$(SAM_ENV) $(SAM) validate --lint --template-file template.yaml

sam-lint: venv
	$(CFN_LINT) template.yaml

# The template as samtranslator expands it (the roles and settings SAM
# generates), checked by scripts/stack/test_stack.py.
stack-test: venv
	AWS_DEFAULT_REGION=us-east-1 $(VENV)/bin/python -m unittest discover -v -s scripts/stack

# Every failed check fails; skips carry their reason (.checkov.yaml, or the
# resource's Metadata in template.yaml).
checkov: checkov-venv
	BC_SKIP_MAPPING=TRUE $(CHECKOV) --config-file .checkov.yaml --file template.yaml

# `make build` first: it compiles the same packages for linux/arm64 once, so
# the five parallel builds of `sam build` only link from the Go build cache.
sam-build: venv build
	@mkdir -p $(ROOT)/.aws-sam/home
	$(SAM_ENV) $(SAM_GO_ENV) $(SAM) build --template-file template.yaml
	@for f in .aws-sam/build/*/bootstrap; do \
	  test -x "$$f" || { echo "sam build: $$f missing" >&2; exit 1; }; \
	  file "$$f" 2>/dev/null | grep -q 'ARM aarch64' || { echo "sam build: $$f is not linux/arm64" >&2; exit 1; }; \
	  printf '%-50s %8d bytes\n' "$$f" "$$(stat -c %s "$$f")"; \
	done

test-sam: sam-validate sam-lint stack-test checkov sam-build

TEST_TARGETS += test-sam
