package sequencer_test

import (
	"context"
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

// A journal catch-up delivers nothing the engine has not published: a
// command that is durable but not yet applied waits. A consumer that got
// seq N from the catch-up can always resubscribe from N+1 (when the
// catch-up read up to the journal's last seq, it ran ahead of the engine
// and the resume from N+1 was refused as "beyond the next seq").
func TestCatchUpStaysBehindTheEngine(t *testing.T) {
	v := open(t, vfs.NewMem(), "db", journal.Options{}, sequencer.Options{RingSize: 4, ResumeFromJournal: true})
	defer v.close(t)
	submitN(t, v.s, 10)

	// Hold the engine goroutine; the writer keeps journaling.
	release, held := make(chan struct{}), make(chan struct{})
	go func() {
		_ = v.s.Query(context.Background(), func(*engine.Engine) { close(held); <-release })
	}()
	<-held
	let := sync.OnceFunc(func() { close(release) })
	defer let() // before v.close, which waits for the engine goroutine
	g := journaltest.NewGen(5)
	for range 3 {
		cmd := g.Next()
		go func() { _, _ = v.s.Submit(context.Background(), cmd) }()
	}
	require.Eventually(t, func() bool { return v.j.LastSeq() == 13 }, 10*time.Second, time.Millisecond,
		"three more commands durable, not applied")

	sub, err := v.s.Subscribe(2, 100)
	require.NoError(t, err)
	var last uint64
	for last < 10 {
		r, ok := recv(t, sub.C)
		require.True(t, ok)
		last = r.Seq
	}
	select {
	case r := <-sub.C:
		t.Fatalf("seq %d delivered before the engine applied it", r.Seq)
	case <-time.After(50 * time.Millisecond):
	}
	sub.Close()
	again, err := v.s.Subscribe(last+1, 100)
	require.NoError(t, err, "resume from the seq after the last one delivered")
	let()
	r, ok := recv(t, again.C)
	require.True(t, ok)
	require.Equal(t, last+1, r.Seq)
	again.Close()
}

// Commands pruned while a slow consumer's catch-up waits end it with
// ErrTooOld (OUT_OF_RANGE at the gateway), as an initial rebuild the
// journal cannot serve does, not with a plain error (INTERNAL).
func TestCatchUpPrunedMidwayIsTooOld(t *testing.T) {
	v := open(t, vfs.NewMem(), "db", journal.Options{RetainCommands: 5, KeepSnapshots: 1},
		sequencer.Options{RingSize: 4, ResumeFromJournal: true})
	defer v.close(t)
	submitN(t, v.s, 20)

	sub, err := v.s.Subscribe(2, 1)
	require.NoError(t, err)
	r, ok := recv(t, sub.C)
	require.True(t, ok)
	require.Equal(t, uint64(2), r.Seq)

	// The server goes on and snapshots; retention prunes past the
	// catch-up's position while it waits for its consumer.
	submitN(t, v.s, 100)
	_, err = v.s.Snapshot(context.Background())
	require.NoError(t, err)
	require.Greater(t, v.j.FirstSeq(), uint64(21))

	for range sub.C {
	}
	require.ErrorIs(t, sub.Err(), sequencer.ErrTooOld)
}

// Close does not wait for the rebuild of a catch-up it has ended: the
// rebuild stops at the next command. The rebuild here takes a large
// multiple of what a Close takes otherwise.
func TestCloseStopsACatchUpRebuild(t *testing.T) {
	v := open(t, vfs.NewMem(), "db", journal.Options{}, sequencer.Options{RingSize: 4, ResumeFromJournal: true})
	g := journaltest.NewGen(3)
	for range 100 {
		_, err := v.s.SubmitBatch(context.Background(), g.Batch(1000))
		require.NoError(t, err)
	}
	t0 := time.Now()
	sub, err := v.s.Subscribe(90_000, 1)
	require.NoError(t, err)
	r, ok := recv(t, sub.C)
	require.True(t, ok)
	require.Equal(t, uint64(90_000), r.Seq)
	rebuild := time.Since(t0)
	sub.Close()

	_, err = v.s.Subscribe(90_000, 1)
	require.NoError(t, err)
	time.Sleep(rebuild / 10) // the catch-up is inside its rebuild
	t1 := time.Now()
	require.NoError(t, v.s.Close())
	closeTook := time.Since(t1)
	require.NoError(t, v.j.Close())
	require.Less(t, closeTook, rebuild/3, "Close waited for the rebuild (rebuild %v, Close %v)", rebuild, closeTook)
}
