# hookflow — see README.md. `make run` and `make test` work on a fresh machine.
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo none)
LDFLAGS := -X github.com/hookflow/hookflow/server.version=$(VERSION) -X github.com/hookflow/hookflow/server.commit=$(COMMIT)
RECEIVER_ADDR ?= 127.0.0.1:9099

.PHONY: build run test lint bench clean

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o hookflow .

# The demo: `hookflow serve` on embedded SQLite with ./workflows. The order
# fan-out's billing, shipping and inventory receivers are hookflow's own demo
# hooks (workflows/demo-*.yaml), so one curl from the README shows all three
# deliveries arrive, with no outside network.
DEMO_ADDR ?= 127.0.0.1:8080
DEMO_ENV  := BILLING_URL=http://$(DEMO_ADDR)/hooks/demo/billing \
	SHIPPING_URL=http://$(DEMO_ADDR)/hooks/demo/shipping \
	INVENTORY_URL=http://$(DEMO_ADDR)/hooks/demo/inventory \
	ORDERS_SECRET=demo-secret \
	HOOKFLOW_API_TOKEN=$${HOOKFLOW_API_TOKEN:-demo-token} \
	HOOKFLOW_ALLOW_PRIVATE_NETWORKS=127.0.0.0/8,::1/128 \
	HOOKFLOW_LOG_LEVEL=info

run: build
	$(DEMO_ENV) ./hookflow serve --addr $(DEMO_ADDR) --db sqlite://hookflow.db --workflows ./workflows

test: build lint
	$(GO) test -race -count=1 -timeout 15m ./...
	$(GO) test -count=1 -run 'TestAllocations' ./engine/expr/
	./hookflow validate workflows/
	./hookflow test workflows/

lint:
	$(GO) vet ./...
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# `make bench`: hookflow against the bare baseline on loopback, ingest and
# fan-out (bench/README.md); prints a table and writes bench/results.json.
# BENCH_FLAGS passes flags to the runner, e.g. BENCH_FLAGS='-duration 5s'.
BENCH_BIN   ?= bench/bin
BENCH_FLAGS ?=
bench: build
	$(GO) build -o $(BENCH_BIN)/baseline ./bench/baseline
	$(GO) build -o $(BENCH_BIN)/receiver ./bench/receiver
	$(GO) build -o $(BENCH_BIN)/runner ./bench/run
	$(BENCH_BIN)/runner -hookflow ./hookflow -baseline $(BENCH_BIN)/baseline -receiver $(BENCH_BIN)/receiver \
		-out bench/results.json $(BENCH_FLAGS)

# The engine's in-process Go benchmarks (steps/s, allocations).
.PHONY: bench-go
bench-go:
	$(GO) test -run '^$$' -bench . -benchmem ./engine/...

clean:
	rm -f hookflow hookflow.db hookflow.db-wal hookflow.db-shm
