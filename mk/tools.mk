# Tools shared by several areas, installed into the project (never by hand):
# the Python virtualenv (.venv) and Go tools (.tools/bin).

.PHONY: venv tools

# One virtualenv for every Python tool (moto, SAM CLI, cfn-lint).
venv: $(VENV)/.installed
$(VENV)/.installed: requirements-dev.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# The AWS Lambda Runtime Interface Emulator.
RIE := $(TOOLS)/bin/aws-lambda-rie
tools: $(RIE)
$(RIE):
	GOBIN=$(TOOLS)/bin $(GO) install github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@v0.0.0-20261030222936-bef5c4ba774d
