# The order engine's build. `make test` is what CI runs (.ci/run).
GO ?= go
PKGS := ./...

.PHONY: all build test vet fmt-check lint bench fuzz diff-long crash-long bench-durable proto clean

all: build

build:
	$(GO) build -o bin/oms ./cmd/oms

# vet, the race detector over every package, and the engine again with its
# expensive invariant checks compiled in.
test: vet fmt-check
	$(GO) test -race -count=1 $(PKGS)
	$(GO) test -count=1 -tags invariants ./engine/...

vet:
	$(GO) vet $(PKGS)

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

lint: vet fmt-check
	$(GO) test -count=1 -run 'TestEnginePure|TestForbiddenImports' $(PKGS)

# Micro benchmarks of the core (one at a time; compare runs with benchstat).
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count=1 ./engine/...
	$(MAKE) --no-print-directory bench-short

# The short `oms bench` set, well under a minute: open-loop latency of the
# engine, durable, grpc and fix scenarios on both workloads; the table on
# stdout, the files in bench/results/<UTC time>/.
.PHONY: bench-short
bench-short: build
	bin/oms bench --short

# Each fuzz target for a minute (one at a time: go test -fuzz takes one).
FUZZTIME ?= 60s
FUZZ_TARGETS := \
	FuzzApply:./engine/book \
	FuzzDecodeCommand:./engine \
	FuzzReader:./engine/wire \
	FuzzStream:./engine/commerce \
	FuzzRestore:./engine/commerce \
	FuzzDecodeCommand:./engine/commerce \
	FuzzDecodeRecord:./journal \
	FuzzTranslate:./gateway \
	FuzzFromApp:./fix \
	FuzzParseScaled:./fix
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		name=$${t%%:*}; pkg=$${t#*:}; \
		echo "== $$name $$pkg"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) $$pkg; \
	done

# The crash test with many SIGKILLs of a child under load (4 run in make test).
crash-long:
	OMS_CRASH_ROUNDS=200 $(GO) test -count=1 -timeout 60m -run '^TestCrashRecovery$$' -v ./sequencer/

# Durability figures on the real disk (slow; run alone on a quiet machine):
# durable commands/s against batch size beside raw Pebble synced commits,
# open-loop ack latency (HdrHistogram), replay speed (the journal's generated
# stream, then the trade and commerce workloads), and recovery time for
# OMS_BENCH_RECOVERY commands with and without a snapshot.
OMS_BENCH_RECOVERY ?= 10000000
bench-durable:
	$(GO) test -run '^$$' -bench 'Durable' -benchtime 3s -count 1 ./sequencer/
	OMS_BENCH_LATENCY=1 $(GO) test -count=1 -timeout 30m -run '^TestAckLatencyReport$$' -v ./sequencer/
	$(GO) test -run '^$$' -bench 'Replay' -benchtime 5x -count 1 ./journal/
	$(GO) test -run '^$$' -bench 'Replay' -benchtime 5x -count 1 ./bench/
	OMS_BENCH_RECOVERY=$(OMS_BENCH_RECOVERY) $(GO) test -count=1 -timeout 60m -run '^TestRecoveryReport$$' -v ./journal/

# The differential test at length: 10 seeds x 300,000 random commands, the
# engine against the reference matcher.
diff-long:
	OMS_DIFF_COMMANDS=300000 OMS_DIFF_SEEDS=10 $(GO) test -count=1 -timeout 60m -run TestDifferential -v ./engine/book

# Regenerates the committed gRPC code from proto/oms/v1/*.proto. Needs protoc
# (Debian: protobuf-compiler) and the plugins below on PATH.
PROTOC_GEN_GO := google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
PROTOC_GEN_GO_GRPC := google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2
# Fast marshalling code for the gateway's replies (gateway/codec.go); the
# version is the one go.mod already requires through grpc's dependencies.
PROTOC_GEN_GO_VTPROTO := github.com/planetscale/vtprotobuf/cmd/protoc-gen-go-vtproto@v0.6.1-0.20240319094008-0393e58bdf10
proto:
	$(GO) install $(PROTOC_GEN_GO)
	$(GO) install $(PROTOC_GEN_GO_GRPC)
	$(GO) install $(PROTOC_GEN_GO_VTPROTO)
	PATH="$$($(GO) env GOPATH)/bin:$$PATH" protoc -I proto \
		--go_out=. --go_opt=module=github.com/ordercore/oms \
		--go-grpc_out=. --go-grpc_opt=module=github.com/ordercore/oms \
		--go-vtproto_out=. --go-vtproto_opt=module=github.com/ordercore/oms,features=marshal+size \
		proto/oms/v1/*.proto

clean:
	rm -rf bin
