package journal

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/journal/journaltest"
)

// buildJournal writes n generated commands to a journal in dir, in batches
// of 4096, applying them to an engine; with snapAt > 0 it snapshots after
// that seq. It returns the final digest.
func buildJournal(tb testing.TB, dir string, n, snapAt int) engine.Digest {
	tb.Helper()
	j, err := Open(dir, Options{Logger: testLogger(nil)})
	require.NoError(tb, err)
	defer func() { require.NoError(tb, j.Close()) }()
	e := engine.New()
	g := journaltest.NewGen(21)
	var out engine.Output
	for seq := 1; seq <= n; {
		k := min(4096, n-seq+1)
		if snapAt >= seq && snapAt < seq+k {
			k = snapAt - seq + 1
		}
		cmds := g.Batch(k)
		journaltest.Stamp(cmds, uint64(seq), int64(seq)*1000)
		require.NoError(tb, j.Append(cmds))
		for i := range cmds {
			out.Reset()
			e.Apply(&cmds[i], &out)
		}
		seq += k
		if seq-1 == snapAt {
			require.NoError(tb, j.WriteSnapshot(uint64(snapAt), e.Digest(), e.Snapshot(nil)))
		}
	}
	return e.Digest()
}

// BenchmarkAppend measures the journal's side of a durable batch on the
// real disk: stamping is done, so this is encoding each record (header,
// payload, CRC32C) into a Pebble batch and one synced commit, from one
// goroutine as the sequencer's writer does. Compare with the sequencer's
// BenchmarkDurable/pebble (the same commits without the encoding).
func BenchmarkAppend(b *testing.B) {
	for _, n := range []int{1, 128, 4096} {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			j, err := Open(b.TempDir(), Options{Logger: testLogger(nil)})
			require.NoError(b, err)
			defer j.Close()
			cmds := journaltest.NewGen(1).Batch(n)
			b.ReportAllocs()
			cpu0 := cpuTime(b)
			seq := uint64(1)
			for b.Loop() {
				journaltest.Stamp(cmds, seq, int64(seq))
				require.NoError(b, j.Append(cmds))
				seq += uint64(n)
			}
			cpu := cpuTime(b) - cpu0
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "cmds/s")
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(n*b.N), "cpu-ns/cmd")
		})
	}
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	require.NoError(tb, syscall.Getrusage(syscall.RUSAGE_SELF, &ru))
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkReplay measures replay from seq 1 of a 1M-command journal
// (OMS_BENCH_REPLAY_N) on the real disk: "recover" decodes, checks and applies every command (the
// engine's own cost included); "scan" only reads, checks and decodes.
func BenchmarkReplay(b *testing.B) {
	n := benchReplayN()
	dir := b.TempDir()
	want := buildJournal(b, dir, n, 0)
	j, err := Open(dir, Options{Logger: testLogger(nil), ReadOnly: true})
	require.NoError(b, err)
	defer j.Close()
	e := engine.New()
	_, err = j.Recover(e, ReplayOptions{NoSnapshot: true})
	require.NoError(b, err)
	require.Equal(b, want, e.Digest())
	b.Run("recover", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, err := j.Recover(engine.New(), ReplayOptions{NoSnapshot: true})
			require.NoError(b, err)
		}
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "cmds/s")
	})
	b.Run("scan", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			require.NoError(b, j.Scan(0, 0, func(*engine.Command) error { return nil }))
		}
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "cmds/s")
	})
}

// TestRecoveryReport is a report, not a test: with OMS_BENCH_RECOVERY=N it
// builds an N-command journal on the real disk with a snapshot 100,000
// commands before the end, then times opening it and recovering with the
// snapshot and without (replay from seq 1). It asserts only that both
// recoveries agree.
func TestRecoveryReport(t *testing.T) {
	s := os.Getenv("OMS_BENCH_RECOVERY")
	if s == "" {
		t.Skip("report: set OMS_BENCH_RECOVERY=<commands> (make bench-durable)")
	}
	n, err := strconv.Atoi(s)
	require.NoError(t, err)
	require.Greater(t, n, 100_000)
	dir := t.TempDir()
	t0 := time.Now()
	want := buildJournal(t, dir, n, n-100_000)
	build := time.Since(t0)

	t1 := time.Now()
	j, err := Open(dir, Options{Logger: testLogger(nil)})
	require.NoError(t, err)
	defer j.Close()
	open := time.Since(t1)
	e := engine.New()
	with, err := j.Recover(e, ReplayOptions{})
	require.NoError(t, err)
	require.Equal(t, want, e.Digest())
	e = engine.New()
	without, err := j.Recover(e, ReplayOptions{NoSnapshot: true})
	require.NoError(t, err)
	require.Equal(t, want, e.Digest())
	snaps, err := j.Snapshots()
	require.NoError(t, err)
	t2 := time.Now()
	state := e.Snapshot(nil)
	serialise := time.Since(t2)

	t.Logf("\n%d commands, journal %s on disk (built in %s), snapshot %d bytes at seq %d\n"+
		"open:                       %s\n"+
		"recover with snapshot:      restore %s + replay %d commands %s = %s\n"+
		"recover without snapshot:   replay %d commands %s (%.0f cmds/s)\n"+
		"serialising the final state (the engine's pause for a snapshot): %s for %d bytes",
		n, dirSize(t, dir), build.Round(time.Millisecond), snaps[0].Size, snaps[0].Seq,
		open.Round(time.Millisecond),
		with.SnapshotTime.Round(time.Millisecond), with.Replayed, with.ReplayTime.Round(time.Millisecond),
		(with.SnapshotTime + with.ReplayTime).Round(time.Millisecond),
		without.Replayed, without.ReplayTime.Round(time.Millisecond), float64(without.Replayed)/without.ReplayTime.Seconds(),
		serialise.Round(time.Microsecond), len(state))
}

func dirSize(t *testing.T, dir string) string {
	var total int64
	require.NoError(t, filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			total += info.Size()
		}
		return err
	}))
	return fmt.Sprintf("%.1f MiB", float64(total)/(1<<20))
}

// benchReplayN is the journal size for BenchmarkReplay: OMS_BENCH_REPLAY_N
// or 1,000,000.
func benchReplayN() int {
	if n, err := strconv.Atoi(os.Getenv("OMS_BENCH_REPLAY_N")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}
