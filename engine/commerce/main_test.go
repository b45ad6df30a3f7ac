package commerce

import (
	"testing"

	"github.com/ordercore/oms/bench/prefault"
)

// TestMain prefaults the heap when OMS_BENCH_PREFAULT_MB is set (see
// prefault.FromEnv), so that benchmarks run on warm memory, as `oms serve
// --memory-limit --prefault` does, rather than on fresh pages.
func TestMain(m *testing.M) { prefault.Main(m, "engine/commerce") }
