package sequencer_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/stretchr/testify/require"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/journal"
	"github.com/ordercore/oms/journal/journaltest"
	"github.com/ordercore/oms/sequencer"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// env is a journal + recovered engine + started sequencer on fs.
type env struct {
	fs  vfs.FS
	dir string
	j   *journal.Journal
	e   *engine.Engine
	s   *sequencer.Sequencer
	st  journal.ReplayStats
}

func open(t *testing.T, fs vfs.FS, dir string, jo journal.Options, so sequencer.Options) *env {
	t.Helper()
	jo.FS, jo.Logger = fs, quiet()
	j, err := journal.Open(dir, jo)
	require.NoError(t, err)
	e := engine.New()
	st, err := j.Recover(e, journal.ReplayOptions{})
	require.NoError(t, err)
	so.Logger = quiet()
	s, err := sequencer.New(e, j, so)
	require.NoError(t, err)
	s.Start()
	return &env{fs: fs, dir: dir, j: j, e: e, s: s, st: st}
}

func (v *env) close(t *testing.T) {
	t.Helper()
	require.NoError(t, v.s.Close())
	require.NoError(t, v.j.Close())
}

// digest reads the engine digest on the engine goroutine.
func (v *env) digest(t *testing.T) (engine.Digest, uint64) {
	t.Helper()
	var d engine.Digest
	var seq uint64
	require.NoError(t, v.s.Query(context.Background(), func(e *engine.Engine) { d, seq = e.Digest(), e.LastSeq() }))
	return d, seq
}

// submitAll submits cmds from workers goroutines and checks that every
// result has a distinct seq.
func submitAll(t *testing.T, s *sequencer.Sequencer, cmds []engine.Command, workers int) {
	t.Helper()
	ctx := context.Background()
	var mu sync.Mutex
	seen := make(map[uint64]bool, len(cmds))
	var wg sync.WaitGroup
	ch := make(chan engine.Command)
	for range workers {
		wg.Go(func() {
			for c := range ch {
				for {
					res, err := s.Submit(ctx, c)
					if err == sequencer.ErrOverloaded {
						time.Sleep(100 * time.Microsecond)
						continue
					}
					require.NoError(t, err)
					mu.Lock()
					require.False(t, seen[res.Seq], "seq %d returned twice", res.Seq)
					seen[res.Seq] = true
					mu.Unlock()
					break
				}
			}
		})
	}
	for _, c := range cmds {
		ch <- c
	}
	close(ch)
	wg.Wait()
	require.Len(t, seen, len(cmds))
}

func TestSubmitStampsAndJournals(t *testing.T) {
	fs := vfs.NewMem()
	v := open(t, fs, "db", journal.Options{}, sequencer.Options{Now: func() int64 { return 42 }})
	g := journaltest.NewGen(1)
	for i := 1; i <= 10; i++ {
		res, err := v.s.Submit(context.Background(), g.Next())
		require.NoError(t, err)
		require.Equal(t, uint64(i), res.Seq)
		require.Equal(t, int64(42), res.Time)
	}
	require.Equal(t, uint64(10), v.j.LastSeq())
	d, seq := v.digest(t)
	require.Equal(t, uint64(10), seq)
	v.close(t)

	v2 := open(t, fs, "db", journal.Options{}, sequencer.Options{})
	d2, seq2 := v2.digest(t)
	require.Equal(t, seq, seq2)
	require.Equal(t, d, d2)
	v2.close(t)
}

func TestReplayEquality(t *testing.T) {
	for _, tc := range []struct {
		name      string
		snapEvery int
		jo        journal.Options
	}{
		{name: "no-snapshots"},
		{name: "snapshots", snapEvery: 700},
		{name: "snapshots-pruned", snapEvery: 500, jo: journal.Options{RetainCommands: 100, KeepSnapshots: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := vfs.NewMem()
			g := journaltest.NewGen(7)
			var want engine.Digest
			var wantSeq uint64
			for round := range 3 {
				v := open(t, fs, "db", tc.jo, sequencer.Options{MaxBatch: 64})
				if round > 0 {
					d, seq := v.digest(t)
					require.Equal(t, wantSeq, seq, "round %d", round)
					require.Equal(t, want, d, "round %d", round)
					if tc.snapEvery > 0 {
						require.Equal(t, wantSeq, v.st.SnapshotSeq, "recovery starts from the last snapshot")
						require.Zero(t, v.st.Replayed)
					}
				}
				cmds := g.Batch(2000)
				for off := 0; off < len(cmds); off += 500 {
					submitAll(t, v.s, cmds[off:off+500], 8)
					if tc.snapEvery > 0 {
						_, err := v.s.Snapshot(context.Background())
						require.NoError(t, err)
					}
				}
				want, wantSeq = v.digest(t)
				v.close(t)
			}
			// A fresh replay of the whole journal, ignoring snapshots, agrees
			// when nothing was pruned.
			if tc.jo.RetainCommands == 0 {
				j, err := journal.Open("db", journal.Options{FS: fs, Logger: quiet(), ReadOnly: true})
				require.NoError(t, err)
				e := engine.New()
				st, err := j.Recover(e, journal.ReplayOptions{NoSnapshot: true})
				require.NoError(t, err)
				require.Equal(t, wantSeq, st.LastSeq)
				require.Equal(t, want, e.Digest())
				require.NoError(t, j.Close())
			}
		})
	}
}

// lockedLogger logs text to w, serialised by mu.
func lockedLogger(w io.Writer, mu *sync.Mutex) *slog.Logger {
	return slog.New(slog.NewTextHandler(lockedWriter{w: w, mu: mu}, nil))
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
