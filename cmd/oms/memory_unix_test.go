//go:build unix

package main

import (
	"runtime"
	"runtime/debug"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ordercore/oms/bench/prefault"
)

// TestPrefaultHeapFaultsInReusableMemory checks what the prefault is for:
// afterwards the heap holds free memory that is backed by physical pages,
// and a large new allocation lands on it without page faults.
func TestPrefaultHeapFaultsInReusableMemory(t *testing.T) {
	keepRuntimeMemory(t)
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(8 << 30)
	const size = 256 << 20
	debug.FreeOSMemory() // no free memory left from earlier tests
	prefault.Heap(size, 16<<20)
	require.Greater(t, heapFree(), uint64(size*9/10), "the prefaulted memory is free, and still backed by physical memory")

	if raceEnabled {
		t.Log("race detector on: its shadow memory faults again; the reuse is checked without it")
		return
	}
	f0 := minorFaults(t)
	b := make([]byte, size/2)
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1
	}
	runtime.KeepAlive(b)
	pages := int64(len(b) / 4096)
	require.Less(t, minorFaults(t)-f0, pages/4, "a %d-page allocation reuses prefaulted pages", pages)
}

func minorFaults(t *testing.T) int64 {
	var ru syscall.Rusage
	require.NoError(t, syscall.Getrusage(syscall.RUSAGE_SELF, &ru))
	return ru.Minflt
}
