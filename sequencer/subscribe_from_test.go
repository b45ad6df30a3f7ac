package sequencer_test

import (
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/stretchr/testify/require"

	"github.com/ordercore/oms/journal"
	"github.com/ordercore/oms/sequencer"
)

// From is the seq of a subscription's first result: for fromSeq 0 the seq
// the next command gets, not 0, so that a consumer that received nothing
// can resume without a gap.
func TestSubscriptionFrom(t *testing.T) {
	v := open(t, vfs.NewMem(), "db", journal.Options{}, sequencer.Options{RingSize: 4, ResumeFromJournal: true})
	defer v.close(t)
	submitN(t, v.s, 10)
	live, err := v.s.Subscribe(0, 10)
	require.NoError(t, err)
	defer live.Close()
	require.Equal(t, uint64(11), live.From())
	ring, err := v.s.Subscribe(9, 10)
	require.NoError(t, err)
	defer ring.Close()
	require.Equal(t, uint64(9), ring.From())
	old, err := v.s.Subscribe(2, 10) // older than the ring: from the journal
	require.NoError(t, err)
	defer old.Close()
	require.Equal(t, uint64(2), old.From())
	require.Equal(t, 3, v.s.Stats().Subscribers)
	r, _ := recv(t, old.C)
	require.Equal(t, uint64(2), r.Seq)
	submitN(t, v.s, 1)
	r, _ = recv(t, live.C)
	require.Equal(t, live.From(), r.Seq)
}
