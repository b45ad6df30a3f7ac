package prefault

import (
	"runtime/debug"
	"runtime/metrics"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFromEnv(t *testing.T) {
	pct, limit := debug.SetGCPercent(100), debug.SetMemoryLimit(-1)
	defer func() { debug.SetGCPercent(pct); debug.SetMemoryLimit(limit) }()
	t.Setenv(EnvVar, "")
	msg, err := FromEnv()
	require.NoError(t, err)
	require.Empty(t, msg, "unset: nothing done")
	for _, bad := range []string{"lots", "0", "-5", "1.5"} {
		t.Setenv(EnvVar, bad)
		_, err := FromEnv()
		require.ErrorContains(t, err, EnvVar, bad)
	}
	t.Setenv(EnvVar, "64")
	debug.FreeOSMemory() // no free memory left from earlier tests
	msg, err = FromEnv()
	require.NoError(t, err)
	require.Contains(t, msg, "64 MiB")
	require.Equal(t, -1, debug.SetGCPercent(-1), "the collector runs by the limit alone")
	require.Equal(t, int64(128<<20), debug.SetMemoryLimit(-1))
	s := []metrics.Sample{{Name: "/memory/classes/heap/free:bytes"}}
	metrics.Read(s)
	require.Greater(t, s[0].Value.Uint64(), uint64(60<<20), "the prefaulted heap is free and still backed")
}
