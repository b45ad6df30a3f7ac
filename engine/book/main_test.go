package book_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/ordercore/oms/bench/prefault"
)

// TestMain prefaults the heap when OMS_BENCH_PREFAULT_MB is set, so that
// the benchmarks measure the engine on warm memory, as `oms serve
// --memory-limit --prefault` runs it, rather than on its first day's fresh
// pages (see BenchmarkBook).
func TestMain(m *testing.M) {
	msg, err := prefault.FromEnv()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if msg != "" {
		fmt.Fprintln(os.Stderr, "engine/book:", msg)
	}
	os.Exit(m.Run())
}
