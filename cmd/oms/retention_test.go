package main

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/engine/commerce"
	"github.com/stretchr/testify/require"
)

// TestApplyRetention journals the configured retention once: a restart
// with the same configuration submits nothing, a changed one submits again.
func TestApplyRetention(t *testing.T) {
	seq := testSequencer(t, nil)
	ctx := context.Background()
	quiet := slog.New(slog.DiscardHandler)
	read := func() (r commerce.Retention, last uint64) {
		require.NoError(t, seq.Query(ctx, func(e *engine.Engine) { r, last = e.Commerce().Retention(), e.LastSeq() }))
		return r, last
	}

	cfg := defaultConfig()
	require.NoError(t, applyRetention(ctx, seq, cfg, quiet))
	_, last := read()
	require.Zero(t, last, "the defaults need no command")

	d := func(x time.Duration) *Duration { v := Duration(x); return &v }
	cfg.ArchiveAfter, cfg.DedupWindow = d(48*time.Hour), d(24*time.Hour)
	require.NoError(t, applyRetention(ctx, seq, cfg, quiet))
	r, last := read()
	require.Equal(t, commerce.Retention{ArchiveAfter: int64(48 * time.Hour), DedupWindow: int64(24 * time.Hour)}, r)
	require.Equal(t, uint64(1), last)

	require.NoError(t, applyRetention(ctx, seq, cfg, quiet))
	_, last = read()
	require.Equal(t, uint64(1), last, "unchanged: nothing journaled")

	cfg.ArchiveAfter = d(-time.Second)
	require.NoError(t, applyRetention(ctx, seq, cfg, quiet))
	r, _ = read()
	require.Negative(t, r.ArchiveAfter, "never archive")

	// Keys left unset keep what the journal holds: a run-time change (oms
	// retention set) survives a restart without the keys.
	cfg.ArchiveAfter, cfg.DedupWindow = nil, d(time.Hour)
	require.NoError(t, applyRetention(ctx, seq, cfg, quiet))
	r, _ = read()
	require.Equal(t, commerce.Retention{ArchiveAfter: int64(-time.Second), DedupWindow: int64(time.Hour)}, r)
	_, last = read()
	cfg.DedupWindow = nil
	require.NoError(t, applyRetention(ctx, seq, cfg, quiet))
	_, again := read()
	require.Equal(t, last, again, "nothing configured: nothing journaled")
}
