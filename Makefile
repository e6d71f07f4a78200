# Lingo's tasks. `make help` lists them.
SHELL := /bin/bash
GO ?= go
BIN := bin/lingo
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/lingo-labs/lingo/config.Version=$(VERSION)
MOCKERY_VERSION ?= v2.53.3

# Where make test-integration finds PostgreSQL and Redis.
LINGO_TEST_POSTGRES_DSN ?= postgres://postgres@127.0.0.1:5432/test?sslmode=disable
LINGO_TEST_REDIS_ADDR ?= 127.0.0.1:6379

.PHONY: help run build test test-memory test-integration soak bench lint fmt mocks migrate client-gen test-client test-browser load load-faults

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

run: build ## run the server on the embedded default (SQLite in ./data, demo catalog)
	./$(BIN) serve

build: ## build bin/lingo
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/lingo

# -count=1: some suites run go list or start servers, which Go's test cache
# cannot see; every run runs them.
test: ## every suite that needs no outside service (SQLite, in-process adapters, miniredis), with -race; then test-memory
	env -u LINGO_TEST_POSTGRES_DSN -u LINGO_TEST_REDIS_ADDR -u LINGO_TEST_REQUIRE_SERVICES -u LINGO_TEST_STORE \
		$(GO) test -race -count=1 ./...
	$(MAKE) --no-print-directory test-memory

# Without -race: the same suite runs under -race on SQLite (make test) and
# PostgreSQL (make test-integration), and the memory store's own concurrency
# under -race in adapters/memory; this run checks the store's behaviour, at a
# third of the time.
test-memory: ## the service tests on the in-memory store (LINGO_TEST_STORE=memory)
	env -u LINGO_TEST_POSTGRES_DSN -u LINGO_TEST_REDIS_ADDR -u LINGO_TEST_REQUIRE_SERVICES LINGO_TEST_STORE=memory \
		$(GO) test -count=1 ./test/service/

# The two fault tests that run Lingo on a PostgreSQL of their own (stopped
# and started under it) use no shared service: make test already ran them
# exactly as they would run here.
OWN_POSTGRES_FAULTS := ^(TestPostgresStoppedAndBack|TestStartsWhilePostgresDown)$$
# Two packages at a time, as make test runs them: each test has a schema and
# a Redis key prefix of its own, and with one at a time the long packages
# (test/service, test/faults) and every build ran end to end.
test-integration: ## the same suites against PostgreSQL and Redis (LINGO_TEST_POSTGRES_DSN, LINGO_TEST_REDIS_ADDR); fails if they are missing
	env -u LINGO_TEST_STORE LINGO_TEST_POSTGRES_DSN='$(LINGO_TEST_POSTGRES_DSN)' LINGO_TEST_REDIS_ADDR='$(LINGO_TEST_REDIS_ADDR)' LINGO_TEST_REQUIRE_SERVICES=1 \
		$(GO) test -race -count=1 -p 2 -skip '$(OWN_POSTGRES_FAULTS)' ./...

SOAK_DURATION ?= 2m
soak: ## the rebuild property test (docs/rebuild.md) with random seeds for SOAK_DURATION (default 2m); a failure names its SOAK_SEED
	env -u LINGO_TEST_STORE SOAK_DURATION=$(SOAK_DURATION) $(GO) test -count=1 -timeout 0 -run '^TestRebuildEqualsIncrementalAggregates$$' ./test/service/

bench: ## benchmarks, reported as ratios against baselines measured in the same run
	LINGO_TEST_POSTGRES_DSN='$(LINGO_TEST_POSTGRES_DSN)' LINGO_TEST_REDIS_ADDR='$(LINGO_TEST_REDIS_ADDR)' \
		$(GO) test -run '^$$' -bench . -benchmem -benchtime 2s ./...

lint: ## gofmt, go vet and the dependency rule
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) test -count=1 ./test/architecture/

fmt: ## format the code
	gofmt -w $$(git ls-files '*.go')

mocks: ## regenerate the port mocks (mockery, pinned)
	$(GO) run github.com/vektra/mockery/v2@$(MOCKERY_VERSION)

migrate: ## apply database migrations with the current configuration and exit
	$(GO) run ./cmd/lingo migrate

client-gen: ## regenerate test/client/src/schema.d.ts from the OpenAPI document (commit the result)
	cd test/client && { [ -f node_modules/.package-lock.json ] || npm ci --no-audit --no-fund --loglevel=error; } && npm run --silent gen

test-client: build ## the generated TypeScript client's learner journey against a started server (Node 20, npm)
	bash test/client/run.sh

test-browser: build ## the docs page in Debian's headless Chromium: every operation listed; screenshot in test/artifacts/
	bash test/browser/run.sh

load: build ## a load mix on PostgreSQL and Redis (LOAD_DURATION, LOAD_RATE); figures for docs/benchmarks.md
	LINGO_TEST_POSTGRES_DSN='$(LINGO_TEST_POSTGRES_DSN)' LINGO_TEST_REDIS_ADDR='$(LINGO_TEST_REDIS_ADDR)' bash test/load/load.sh

load-faults: build ## the load mix while a private Redis, then a private PostgreSQL, stop and return; counts acknowledged events
	bash test/load/faults.sh
