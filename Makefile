# The targets a developer needs; README.md explains each.
GO        ?= go
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT    ?= $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
LDFLAGS   := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT)
BIN       ?= bin/finhealth
STATICCHECK_VERSION ?= v0.8.2
DEADCODE_VERSION ?= v0.53.0

.PHONY: run test build lint bench bench-go bench-load bench-soak fuzz screenshots clean

## run: serve the app on :5000 with the embedded SQLite database (./data/finhealth.db)
run:
	$(GO) run ./cmd/finhealth serve

## test: the whole suite on SQLite and on a throwaway PostgreSQL cluster
test:
	./scripts/test.sh

## build: a static binary in bin/finhealth (the Dockerfile runs this same command)
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/finhealth

## lint: formatting, go vet, staticcheck and no unreachable code (deadcode, tests as roots)
lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...
	@dead=$$($(GO) run golang.org/x/tools/cmd/deadcode@$(DEADCODE_VERSION) -test ./...); \
	  if [ -n "$$dead" ]; then echo "unreachable code:"; echo "$$dead"; exit 1; fi

## bench: Go benchmarks, the HTTP load script, then a SOAK_DURATION soak, against a running server on PostgreSQL
bench: bench-go bench-load bench-soak

bench-go:
	$(GO) test -run '^$$' -bench . -benchmem ./...

bench-load:
	./scripts/loadtest.sh

## bench-soak: a steady mixed load for SOAK_DURATION (default 30m) on durable PostgreSQL; fails on errors or memory growth
SOAK_DURATION ?= 30m
bench-soak:
	./scripts/soak.sh $(SOAK_DURATION)

## fuzz: run each fuzz target for FUZZTIME (default 30s)
FUZZTIME ?= 30s
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzScore -fuzztime $(FUZZTIME) ./scoring/
	$(GO) test -run '^$$' -fuzz FuzzDecodeAssessmentRequest -fuzztime $(FUZZTIME) ./http/api/
	$(GO) test -run '^$$' -fuzz FuzzDecodeRegisterRequest -fuzztime $(FUZZTIME) ./http/api/
	$(GO) test -run '^$$' -fuzz FuzzDecodeLoginRequest -fuzztime $(FUZZTIME) ./http/api/
	$(GO) test -run '^$$' -fuzz FuzzDecodeOverrideRequest -fuzztime $(FUZZTIME) ./http/api/
	$(GO) test -run '^$$' -fuzz FuzzWarehouseQuery -fuzztime $(FUZZTIME) ./http/api/
	$(GO) test -run '^$$' -fuzz FuzzDecodeGraphQLResponse -fuzztime $(FUZZTIME) ./wave/
	$(GO) test -run '^$$' -fuzz FuzzDecimalMinor -fuzztime $(FUZZTIME) ./wave/
	$(GO) test -run '^$$' -fuzz FuzzQuickDateTime -fuzztime $(FUZZTIME) ./wave/
	$(GO) test -run '^$$' -fuzz FuzzLedgerHealth -fuzztime $(FUZZTIME) ./scoring/
	$(GO) test -run '^$$' -fuzz FuzzReadBackup -fuzztime $(FUZZTIME) ./store/
	$(GO) test -run '^$$' -fuzz FuzzDecodeBalances -fuzztime $(FUZZTIME) ./store/

## screenshots: rerun the browser tests, saving their screenshots into docs/screenshots (the README's images)
screenshots:
	FINHEALTH_SCREENSHOTS=$(CURDIR)/docs/screenshots $(GO) test -count=1 -run '^TestUI' ./cmd/finhealth/

clean:
	rm -rf bin
