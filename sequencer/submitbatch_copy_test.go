package sequencer_test

import (
	"context"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/stretchr/testify/require"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/journal"
	"github.com/ordercore/oms/sequencer"
)

// TestSubmitBatchOwnsItsCommands: when ctx ends while a SubmitBatch waits
// in the inbox, SubmitBatch returns "outcome unknown" but the writer
// journals the request later. A caller that then reuses or clears its
// slice (as the gateway's entry batcher does) must not change what is
// journaled: cleared commands have Kind 0, which replay refuses.
func TestSubmitBatchOwnsItsCommands(t *testing.T) {
	gate, entered := make(chan struct{}), make(chan struct{}, 1)
	gated := true
	v := open(t, vfs.NewMem(), "j", journal.Options{}, sequencer.Options{OnBatch: func(int, time.Duration) {
		if gated {
			entered <- struct{}{}
			<-gate
		}
	}})
	go func() { _, _ = v.s.Submit(context.Background(), tick()) }() // journaled; the writer parks in OnBatch
	<-entered
	ctx, cancel := context.WithCancel(context.Background())
	cmds := []engine.Command{tick(), tick(), tick()}
	done := make(chan error, 1)
	go func() { _, err := v.s.SubmitBatch(ctx, cmds); done <- err }()
	deadline := time.Now().Add(10 * time.Second)
	for v.s.Stats().InboxDepth == 0 {
		require.True(t, time.Now().Before(deadline))
		time.Sleep(time.Millisecond)
	}
	cancel()
	require.ErrorIs(t, <-done, context.Canceled) // "outcome unknown"
	clear(cmds)                                  // the caller owns its slice again
	gated = false                                // ordered before the writer's next read by close(gate)
	close(gate)
	require.NoError(t, v.s.Close())
	require.NoError(t, v.j.Close())

	j, err := journal.Open("j", journal.Options{FS: v.fs, Logger: quiet()})
	require.NoError(t, err)
	defer j.Close()
	_, err = j.Recover(engine.New(), journal.ReplayOptions{NoSnapshot: true})
	require.NoError(t, err, "what the caller did with its slice after SubmitBatch returned reached the journal")
}
