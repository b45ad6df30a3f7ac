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

// A subscription rebuilt from the journal joins the live stream with room
// for buffer live results, as Subscribe promises: the catch-up holds at
// most buffer rebuilt results in the channel. (When it filled the channel,
// a consumer that held no live result was cut off by the first one.)
func TestCatchUpJoinsWithRoomForLiveResults(t *testing.T) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	j, err := journal.Open("db", journal.Options{FS: vfs.NewMem(), Logger: quiet})
	require.NoError(t, err)
	defer func() { require.NoError(t, j.Close()) }()
	e := engine.New()
	_, err = j.Recover(e, journal.ReplayOptions{})
	require.NoError(t, err)
	s, err := New(e, j, Options{Logger: quiet, RingSize: 4, ResumeFromJournal: true})
	require.NoError(t, err)
	s.Start()
	defer func() { require.NoError(t, s.Close()) }()
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
