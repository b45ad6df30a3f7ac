package main

import (
	"encoding/json"
	"log/slog"
	"math"
	"runtime/debug"
	"runtime/metrics"
	"strings"
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
	gogc := func(v string) func(string) string { return envOf(map[string]string{"GOGC": v}) }
	apply := func(cfg Config, env func(string) string) (pct int, limit int64) {
		t.Helper()
		require.NoError(t, applyMemory(cfg, env))
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
	pct, limit = apply(Config{MemoryLimit: 6 << 30}, gogc("50"))
	require.Equal(t, 100, pct, "a memory limit and GOGC: GOGC's target stays")
	require.Equal(t, int64(6<<30), limit)
	pct, limit = apply(Config{MemoryLimit: 6 << 30, GCPercent: &v}, gogc(""))
	require.Equal(t, 250, pct, "a limit and a target: both apply")
	require.Equal(t, int64(6<<30), limit)

	// A prefault that the runtime would hand back to the OS is refused.
	debug.SetGCPercent(100) // as the runtime does when it reads GOGC=100
	err := applyMemory(Config{MemoryLimit: 1 << 30, Prefault: 64 << 20}, gogc("100"))
	require.ErrorContains(t, err, "prefault")
	require.ErrorContains(t, err, "GOGC")
}

func TestStartPrefault(t *testing.T) {
	keepRuntimeMemory(t)
	var logs strings.Builder
	log := slog.New(slog.NewTextHandler(&logs, nil))
	require.NoError(t, applyMemory(Config{MemoryLimit: 8 << 30, Prefault: 64 << 20}, envOf(nil)))

	// It runs in the background and leaves its memory free for reuse.
	debug.FreeOSMemory() // no free memory left from earlier tests
	free0 := heapFree()
	done := startPrefault(Config{MemoryLimit: 8 << 30, Prefault: 64 << 20}, log)
	require.NotNil(t, done)
	<-done
	require.Greater(t, heapFree()-free0, uint64(60<<20), "the prefaulted heap is free for reuse")
	require.Contains(t, logs.String(), "prefaulted the heap")
	require.NotContains(t, logs.String(), "clamped")

	// A limit with no room beside what is in use: nothing is prefaulted,
	// and the log says why.
	logs.Reset()
	require.Nil(t, startPrefault(Config{MemoryLimit: 64 << 20, Prefault: 1 << 30}, log))
	require.Contains(t, logs.String(), "prefault clamped")
	require.Nil(t, startPrefault(Config{}, log), "no limit, no prefault")
}

func TestPrefaultSize(t *testing.T) {
	const mib = 1 << 20
	require.Equal(t, int64(4096*mib), prefaultSize(4096*mib, 8192*mib, 512*mib), "room enough: all of it")
	require.Equal(t, int64(6848*mib), prefaultSize(8000*mib, 8192*mib, 512*mib),
		"at most 90%% of the limit in all, in whole chunks (7372.8 - 512 MiB, rounded down to 64 MiB)")
	require.Zero(t, prefaultSize(1024*mib, 1024*mib, 1000*mib), "no room: none")
	require.Zero(t, prefaultSize(32*mib, 8192*mib, 0), "less than a chunk: none")
}

func heapFree() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/free:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}
