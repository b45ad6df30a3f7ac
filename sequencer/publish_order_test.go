package sequencer

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/stretchr/testify/require"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/journal"
	"github.com/ordercore/oms/journal/journaltest"
)

// A result is published to subscribers before its submitter gets it, so
// that a submitter holding seq N can subscribe from N or N+1 at once.
// (Released first, a Subscribe from res.Seq+1 raced the publish and could
// fail as "beyond the next seq"; a gateway test hit it in CI.) While the
// test holds the subscribers' lock, publish cannot run, so Submit must not
// return; once the lock is let go, the result is in the ring.
func TestResultPublishedBeforeRelease(t *testing.T) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	j, err := journal.Open("db", journal.Options{FS: vfs.NewMem(), Logger: quiet})
	require.NoError(t, err)
	defer func() { require.NoError(t, j.Close()) }()
	e := engine.New()
	_, err = j.Recover(e, journal.ReplayOptions{})
	require.NoError(t, err)
	s, err := New(e, j, Options{Logger: quiet, RingSize: 4})
	require.NoError(t, err)
	s.Start()
	defer func() { require.NoError(t, s.Close()) }()

	g := journaltest.NewGen(3)
	for range 20 {
		type answer struct {
			res *Result
			err error
		}
		done := make(chan answer, 1)
		cmd := g.Next()
		s.subs.mu.Lock()
		go func() {
			res, err := s.Submit(context.Background(), cmd)
			done <- answer{res, err}
		}()
		select {
		case a := <-done:
			s.subs.mu.Unlock()
			t.Fatalf("a result was released before it was published: %+v", a)
		case <-time.After(20 * time.Millisecond):
		}
		s.subs.mu.Unlock()
		a := <-done
		require.NoError(t, a.err)
		sub, err := s.Subscribe(a.res.Seq+1, 1)
		require.NoError(t, err, "subscribe from the seq after the one just acknowledged")
		sub.Close()
	}
}
