// Package prefault grows the Go heap by memory that has been written once
// (faulted in) and is free again, so that later allocations reuse it
// instead of paying a first-touch page fault each: on the development VM
// 21-25 µs per fresh 4 KiB page, more than most commands cost. oms serve
// uses it at start (its prefault setting); benchmarks use it through
// FromEnv to measure on warm memory, as a prefaulted server runs.
package prefault

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"testing"
)

// Chunk is the size of each block Heap allocates.
const Chunk = 64 << 20

// pageSize is the smallest page size of the platforms served; on larger
// pages some writes are redundant, never missing.
const pageSize = 4096

// Heap allocates n bytes in chunks of chunk, writes a byte to every page,
// drops them and collects. The runtime keeps the free memory (up to 95% of
// the memory limit) only while the collector runs by the memory limit
// alone (debug.SetGCPercent(-1) and a limit): with a percentage target it
// returns free memory above its heap goal to the OS. A forced collection
// later (runtime.GC, debug.FreeOSMemory) resets the runtime's measure of
// the heap in use, and the scavenger then returns the memory little by
// little.
func Heap(n, chunk int64) {
	chunks := make([][]byte, 0, (n+chunk-1)/chunk)
	for left := n; left > 0; left -= chunk {
		c := make([]byte, min(left, chunk))
		for i := 0; i < len(c); i += pageSize {
			c[i] = 1
		}
		chunks = append(chunks, c)
	}
	runtime.KeepAlive(chunks)
	chunks = nil
	runtime.GC()
}

// EnvVar names the environment variable FromEnv reads.
const EnvVar = "OMS_BENCH_PREFAULT_MB"

// FromEnv, when OMS_BENCH_PREFAULT_MB is set to a number of MiB, sets a
// memory limit of twice that, makes the collector run by the limit alone
// and prefaults that much heap, as `oms serve --memory-limit
// --prefault` does; it returns what it did, for the benchmark's log (""
// when the variable is unset). Call it from TestMain.
func FromEnv() (string, error) {
	v := os.Getenv(EnvVar)
	if v == "" {
		return "", nil
	}
	mb, err := strconv.Atoi(v)
	if err != nil || mb <= 0 {
		return "", fmt.Errorf("%s=%q: want a positive number of MiB", EnvVar, v)
	}
	n := int64(mb) << 20
	debug.SetMemoryLimit(2 * n)
	debug.SetGCPercent(-1)
	Heap(n, Chunk)
	return fmt.Sprintf("prefaulted %d MiB of heap; collector by memory limit %d MiB alone", mb, 2*mb), nil
}

// Main is a TestMain: it applies FromEnv (saying on stderr what it did,
// or exiting with status 2 on a bad value), then runs the tests. pkg names
// the package in the message.
func Main(m *testing.M, pkg string) {
	msg, err := FromEnv()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if msg != "" {
		fmt.Fprintln(os.Stderr, pkg+":", msg)
	}
	os.Exit(m.Run())
}
