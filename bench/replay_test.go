package bench

import (
	"log/slog"
	"os"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/journal"
)

// BenchmarkReplay measures replay from seq 1 on the real disk of a journal
// of OMS_BENCH_REPLAY_N (default 200,000) steady commands of each
// workload, after its setup: "recover" reads, checks, decodes and applies
// every command (what a restart without a snapshot costs); "scan" only
// reads, checks and decodes them, the ceiling the journal's side of replay
// allows. The engine's own cost is the difference.
func BenchmarkReplay(b *testing.B) {
	// Larger journals take minutes to generate (the commerce workload's
	// generator and engine slow as the state grows).
	n := 200_000
	if v, err := strconv.Atoi(os.Getenv("OMS_BENCH_REPLAY_N")); err == nil && v > 0 {
		n = v
	}
	for _, kind := range []string{Trade, Commerce} {
		b.Run(kind, func(b *testing.B) {
			dir := b.TempDir()
			want, total := buildReplayJournal(b, dir, kind, n)
			j, err := journal.Open(dir, journal.Options{Logger: slog.New(slog.DiscardHandler), ReadOnly: true})
			require.NoError(b, err)
			defer func() { require.NoError(b, j.Close()) }()
			e := engine.New()
			_, err = j.Recover(e, journal.ReplayOptions{NoSnapshot: true})
			require.NoError(b, err)
			require.Equal(b, want, e.Digest(), "replay must rebuild the state that was journaled")
			b.Run("recover", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					_, err := j.Recover(engine.New(), journal.ReplayOptions{NoSnapshot: true})
					require.NoError(b, err)
				}
				b.ReportMetric(float64(total)*float64(b.N)/b.Elapsed().Seconds(), "cmds/s")
			})
			b.Run("scan", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					require.NoError(b, j.Scan(0, 0, func(*engine.Command) error { return nil }))
				}
				b.ReportMetric(float64(total)*float64(b.N)/b.Elapsed().Seconds(), "cmds/s")
			})
		})
	}
}

// buildReplayJournal journals the workload's setup and n steady commands
// in dir, in batches of 4096, applying each as it goes (a commerce cancel
// needs the order id its placement got). It returns the final digest and
// the number of commands journaled.
func buildReplayJournal(tb testing.TB, dir, kind string, n int) (engine.Digest, int) {
	tb.Helper()
	s, err := newStream(kind, WorkloadConfig{Seed: 1}, n, 0)
	require.NoError(tb, err)
	t := newEngineTarget(s)
	j, err := journal.Open(dir, journal.Options{Logger: slog.New(slog.DiscardHandler)})
	require.NoError(tb, err)
	pending := make([]engine.Command, 0, 4096)
	total := 0
	flush := func() {
		require.NoError(tb, j.Append(pending))
		total += len(pending)
		pending = pending[:0]
	}
	add := func(c *engine.Command) {
		t.apply(c) // stamps it
		pending = append(pending, *c)
		if len(pending) == cap(pending) {
			flush()
		}
	}
	for _, ph := range s.setupPhases() {
		for k := range ph {
			c := ph[k]
			add(&c)
		}
	}
	var c engine.Command
	for i := range s.len() {
		s.command(i, &c)
		add(&c)
		s.observe(i, t.out.Trade, t.out.Commerce)
	}
	if len(pending) > 0 {
		flush()
	}
	require.NoError(tb, j.Close())
	return t.e.Digest(), total
}
