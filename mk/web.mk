# web/: the TypeScript job client and the dashboard (see web/README.md).
# Node and npm come with the machine; npm packages are pinned by
# web/package-lock.json; the e2e test drives Debian's chromium.

WEB := $(ROOT)/web
CHROMIUM := /usr/bin/chromium

.PHONY: web-deps web-build web-unit test-web chromium

# npm ci only when node_modules is older than the lock file (or missing).
web-deps: $(WEB)/node_modules/.package-lock.json
$(WEB)/node_modules/.package-lock.json: $(WEB)/package-lock.json $(WEB)/package.json
	cd $(WEB) && npm ci --no-audit --no-fund
	touch $@

# Compiles src/ with tsc (strict; a type error fails the build) into dist/,
# next to the dashboard's index.html and styles.css; then type-checks the
# tests too.
web-build: web-deps
	cd $(WEB) && npm run --silent build
	cd $(WEB) && npm run --silent typecheck

# Debian's chromium for the e2e test, installed only when missing.
chromium: $(CHROMIUM)
$(CHROMIUM):
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium

web-unit: web-deps
	cd $(WEB) && npm run --silent test:unit

# Unit tests (fake fetch and timers), then the client against a real dev
# server, then the dashboard in headless Chromium; the last two build and
# start the dev server on a free port themselves.
test-web: web-build chromium
	cd $(WEB) && npm run --silent test:unit
	cd $(WEB) && npm run --silent test:integration
	cd $(WEB) && npm run --silent test:e2e

TEST_TARGETS += test-web

# `make dev` serves web/dist: build it first.
dev: web-build

# `make clean` also drops the built dashboard.
.PHONY: web-clean
web-clean:
	rm -rf $(WEB)/dist
clean: web-clean
