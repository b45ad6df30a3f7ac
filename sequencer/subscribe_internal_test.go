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
	s := startInternal(t, Options{RingSize: 4})

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

// startInternal starts a sequencer on a new in-memory journal, closed (and
// its journal) when the test ends.
func startInternal(t *testing.T, o Options) *Sequencer {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	j, err := journal.Open("db", journal.Options{FS: vfs.NewMem(), Logger: quiet})
	require.NoError(t, err)
	e := engine.New()
	_, err = j.Recover(e, journal.ReplayOptions{})
	require.NoError(t, err)
	o.Logger = quiet
	s, err := New(e, j, o)
	require.NoError(t, err)
	s.Start()
	t.Cleanup(func() {
		require.NoError(t, s.Close())
		require.NoError(t, j.Close())
	})
	return s
}

// A subscription rebuilt from the journal joins the live stream with room
// for buffer live results, as Subscribe promises: the catch-up holds at
// most buffer rebuilt results in the channel. (When it filled the channel,
// a consumer that held no live result was cut off by the first one.)
func TestCatchUpJoinsWithRoomForLiveResults(t *testing.T) {
	s := startInternal(t, Options{RingSize: 4, ResumeFromJournal: true})
	g := journaltest.NewGen(3)
	for range 20 {
		_, err := s.Submit(context.Background(), g.Next())
		require.NoError(t, err)
	}

	sub, err := s.Subscribe(2, 4)
	require.NoError(t, err)
	// Read 2..16; the catch-up then holds 17..20 and attaches.
	for want := uint64(2); want <= 16; want++ {
		r := <-sub.C
		require.Equal(t, want, r.Seq)
	}
	require.Eventually(t, func() bool {
		s.subs.mu.Lock()
		defer s.subs.mu.Unlock()
		return len(s.subs.catching) == 0 && len(s.subs.list) == 1
	}, 10*time.Second, time.Millisecond, "the catch-up attached")

	// Four live results while the consumer still holds 17..20.
	for range 4 {
		_, err = s.Submit(context.Background(), g.Next())
		require.NoError(t, err)
	}
	for want := uint64(17); want <= 24; want++ {
		r, ok := <-sub.C
		require.True(t, ok, "cut off at seq %d: %v", want, sub.Err())
		require.Equal(t, want, r.Seq)
	}
	require.NoError(t, sub.Err())
	sub.Close()
}
