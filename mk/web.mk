# web/: two npm workspaces, the job client (web/client, @jobline/client)
# and the dashboard (web/dashboard); see web/README.md. Node and npm come
# with the machine; npm packages are pinned by web/package-lock.json; the
# e2e test drives Debian's chromium.

WEB := $(ROOT)/web
CHROMIUM := /usr/bin/chromium

.PHONY: web-deps web-build web-unit test-web chromium

# npm ci only when node_modules is older than the lock file (or missing).
web-deps: $(WEB)/node_modules/.package-lock.json
$(WEB)/node_modules/.package-lock.json: $(WEB)/package-lock.json $(WEB)/package.json $(WEB)/client/package.json $(WEB)/dashboard/package.json
	cd $(WEB) && npm ci --no-audit --no-fund
	touch $@

# Builds the client (checks that client/src/openapi.ts is what
# docs/openapi.yaml generates, then tsc into client/dist) and the dashboard
# (esbuild bundle and static files into dashboard/dist); then type-checks
# everything, tests included (strict; a type error fails the build).
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

# Unit tests (fake fetch and timers, the form, the npm pack list), then the
# client and the seed client's code against a real dev server, then the
# dashboard in headless Chromium at desktop and phone sizes; the last ones
# build and start the dev server on a free port themselves.
test-web: web-build chromium
	cd $(WEB) && npm run --silent test:unit
	cd $(WEB) && npm run --silent test:integration
	cd $(WEB) && npm run --silent test:e2e

TEST_TARGETS += test-web

# `make dev` serves web/dashboard/dist: build it first.
dev: web-build

# `make clean` also drops the built dashboard.
.PHONY: web-clean
web-clean:
	rm -rf $(WEB)/client/dist $(WEB)/dashboard/dist
clean: web-clean
