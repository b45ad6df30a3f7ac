package bench

import (
	"fmt"
	"os"
	"testing"

	"github.com/ordercore/oms/bench/prefault"
)

// TestMain prefaults the heap when OMS_BENCH_PREFAULT_MB is set, so that
// the benchmarks and load reports run on warm memory, as `oms serve
// --memory-limit --prefault` does, rather than on fresh pages.
func TestMain(m *testing.M) {
	msg, err := prefault.FromEnv()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if msg != "" {
		fmt.Fprintln(os.Stderr, "bench:", msg)
	}
	os.Exit(m.Run())
}
