# hookflow — see README.md. `make run` and `make test` work on a fresh machine.
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo none)
LDFLAGS := -X github.com/hookflow/hookflow/server.version=$(VERSION) -X github.com/hookflow/hookflow/server.commit=$(COMMIT)
RECEIVER_ADDR ?= 127.0.0.1:9099

.PHONY: build run test lint bench clean

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o hookflow .

# Until `hookflow serve` lands: run the order fan-out example once against its
# sample event, with a local receiver standing in for billing, shipping and
# inventory, so it works with no outside network.
run: build
	@$(GO) build -o .receiver ./bench/receiver
	@./.receiver -addr $(RECEIVER_ADDR) -for 60s & echo $$! > .receiver.pid; sleep 0.3
	@BILLING_URL=http://$(RECEIVER_ADDR)/billing SHIPPING_URL=http://$(RECEIVER_ADDR)/shipping \
	 INVENTORY_URL=http://$(RECEIVER_ADDR)/inventory \
	 ./hookflow run workflows/order-fanout.yaml --event workflows/order-fanout.event.json \
	   --allow-private-networks true; status=$$?; kill `cat .receiver.pid` 2>/dev/null; rm -f .receiver .receiver.pid; exit $$status

test: build lint
	$(GO) test -race -count=1 -timeout 15m ./...
	./hookflow validate workflows/
	./hookflow test workflows/

lint:
	$(GO) vet ./...
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./engine/...

clean:
	rm -f hookflow .receiver .receiver.pid
