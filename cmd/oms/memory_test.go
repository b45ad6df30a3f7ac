package main

import (
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseByteSize(t *testing.T) {
	for in, want := range map[string]ByteSize{"0": 0, "4096": 4096, "512B": 512, "64KiB": 64 << 10, "512MiB": 512 << 20,
		"6GiB": 6 << 30, " 2 TiB ": 2 << 40} {
		got, err := parseByteSize(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	for _, in := range []string{"", "GiB", "6GB", "1.5GiB", "-1", "-1MiB", "lots", "9999999999TiB"} {
		_, err := parseByteSize(in)
		require.Error(t, err, in)
	}
	for _, b := range []ByteSize{0, 1, 4096, 64 << 10, 6 << 30, 6<<30 + 1} {
		back, err := parseByteSize(b.String())
		require.NoError(t, err)
		require.Equal(t, b, back, "String round-trips")
		j, err := json.Marshal(b)
		require.NoError(t, err)
		var fromJSON ByteSize
		require.NoError(t, json.Unmarshal(j, &fromJSON))
		require.Equal(t, b, fromJSON, "JSON round-trips: %s", j)
	}
	var n ByteSize
	require.NoError(t, json.Unmarshal([]byte("1048576"), &n), "a JSON number is bytes")
	require.Equal(t, ByteSize(1<<20), n)
	require.Error(t, json.Unmarshal([]byte("-5"), &n))
	require.Error(t, json.Unmarshal([]byte(`"5 apples"`), &n))
}

// keepRuntimeMemory restores the collector's target and memory limit.
func keepRuntimeMemory(t *testing.T) {
	pct := debug.SetGCPercent(100)
	limit := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetGCPercent(pct); debug.SetMemoryLimit(limit) })
}

func TestApplyMemory(t *testing.T) {
	keepRuntimeMemory(t)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	gogc := func(v string) func(string) string { return envOf(map[string]string{"GOGC": v}) }
	apply := func(cfg Config, env func(string) string) (pct int, limit int64) {
		t.Helper()
		done, err := applyMemory(cfg, env, quiet)
		require.NoError(t, err)
		require.Nil(t, done, "no prefault asked, none started")
		return debug.SetGCPercent(100), debug.SetMemoryLimit(math.MaxInt64)
	}
	v := 250
	pct, limit := apply(Config{GCPercent: &v}, gogc("50"))
	require.Equal(t, 250, pct, "the key beats GOGC")
	require.Equal(t, int64(math.MaxInt64), limit, "no limit unless asked")
	pct, _ = apply(Config{}, gogc(""))
	require.Equal(t, defaultGCPercent, pct, "neither: the default")
	pct, _ = apply(Config{}, gogc("50"))
	require.Equal(t, 100, pct, "GOGC set: the runtime's value is left alone")
	pct, limit = apply(Config{MemoryLimit: 6 << 30}, gogc(""))
	require.Equal(t, -1, pct, "a memory limit alone: the collector runs by the limit")
	require.Equal(t, int64(6<<30), limit)
	pct, limit = apply(Config{MemoryLimit: 6 << 30, GCPercent: &v}, gogc(""))
	require.Equal(t, 250, pct, "a limit and a target: both apply")
	require.Equal(t, int64(6<<30), limit)

	// A prefault runs in the background and leaves its memory free.
	debug.FreeOSMemory() // no free memory left from earlier tests
	free0 := heapFree()
	done, err := applyMemory(Config{MemoryLimit: 1 << 30, Prefault: 64 << 20}, gogc(""), quiet)
	require.NoError(t, err)
	require.NotNil(t, done)
	<-done
	require.Greater(t, heapFree()-free0, uint64(60<<20), "the prefaulted heap is free for reuse")

	// A prefault that the runtime would hand back to the OS is refused.
	debug.SetGCPercent(100) // as the runtime does when it reads GOGC=100
	_, err = applyMemory(Config{MemoryLimit: 1 << 30, Prefault: 64 << 20}, gogc("100"), quiet)
	require.ErrorContains(t, err, "prefault")
	require.ErrorContains(t, err, "GOGC")
}

// TestPrefaultHeapFaultsInReusableMemory checks what the prefault is for:
// afterwards the heap holds free memory that is backed by physical pages,
// and a large new allocation lands on it without page faults.
func TestPrefaultHeapFaultsInReusableMemory(t *testing.T) {
	keepRuntimeMemory(t)
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(8 << 30)
	const size = 256 << 20
	debug.FreeOSMemory() // no free memory left from earlier tests
	prefaultHeap(size, 16<<20)
	require.Greater(t, heapFree(), uint64(size*9/10), "the prefaulted memory is free, and still backed by physical memory")

	if raceEnabled {
		t.Log("race detector on: its shadow memory faults again; the reuse is checked without it")
		return
	}
	f0 := minorFaults(t)
	b := make([]byte, size/2)
	for i := 0; i < len(b); i += pageSize {
		b[i] = 1
	}
	runtime.KeepAlive(b)
	pages := int64(len(b) / pageSize)
	require.Less(t, minorFaults(t)-f0, pages/4, "a %d-page allocation reuses prefaulted pages", pages)
}

func heapFree() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/free:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func minorFaults(t *testing.T) int64 {
	var ru syscall.Rusage
	require.NoError(t, syscall.Getrusage(syscall.RUSAGE_SELF, &ru))
	return ru.Minflt
}
