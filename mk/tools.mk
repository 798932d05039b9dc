# Tools shared by several areas, installed into the project (never by hand):
# the Python virtualenv (.venv) and Go tools (.tools/bin).

.PHONY: venv checkov-venv tools

# One virtualenv for the Python tools (moto, SAM CLI, cfn-lint)...
venv: $(VENV)/.installed
$(VENV)/.installed: requirements-dev.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# ...and one of its own for checkov, which pins boto3 and packaging versions
# that the SAM CLI and moto cannot share (requirements-checkov.txt).
CHECKOV_VENV := $(ROOT)/.venv-checkov
CHECKOV := $(CHECKOV_VENV)/bin/checkov
checkov-venv: $(CHECKOV_VENV)/.installed
$(CHECKOV_VENV)/.installed: requirements-checkov.txt
	python3 -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-checkov.txt
	touch $@

# The AWS Lambda Runtime Interface Emulator.
RIE := $(TOOLS)/bin/aws-lambda-rie
tools: $(RIE)
$(RIE):
	GOBIN=$(TOOLS)/bin $(GO) install github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@v0.0.0-20261030222936-bef5c4ba774d
