package gateway

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/engine/commerce"
	"github.com/ordercore/oms/journal"
	pb "github.com/ordercore/oms/proto/omsv1"
	"github.com/ordercore/oms/sequencer"
	"github.com/stretchr/testify/require"
)

// TestEntryCancelledBatchStaysReplayable: an entry stream cancelled while
// its SubmitBatch waits in the sequencer's inbox gets "outcome unknown" and
// its batcher clears and reuses its command slice; the writer journals the
// queued request later. It must journal the commands as submitted (the
// sequencer's own copy), not the batcher's cleared slice (Kind 0, which
// replay refuses), so the server restarts after oms serve's shutdown order.
func TestEntryCancelledBatchStaysReplayable(t *testing.T) {
	dir := t.TempDir()
	var gated atomic.Bool
	entered := make(chan struct{}, 1)
	gate := make(chan struct{})
	ts := startTestServer(t, dir, serverOpts{seq: sequencer.Options{OnBatch: func(int, time.Duration) {
		if gated.Load() {
			select {
			case entered <- struct{}{}:
			default:
			}
			<-gate
		}
	}}})
	setupCommerce(t, ts)
	gated.Store(true)
	// Park the writer: it journals this command and then waits in OnBatch.
	go func() {
		_, _ = ts.seq.Submit(context.Background(), engine.Command{Kind: engine.KindCommerce,
			Commerce: commerce.Command{Kind: commerce.CmdSetStock, SKU: "A", Loc: 1, Qty: 10, Version: 99}})
	}()
	<-entered

	ctx, cancel := context.WithCancel(ctxAs(t, webTok))
	st, err := pb.NewOrderEntryServiceClient(ts.conn).Entry(ctx)
	require.NoError(t, err)
	for i := range 8 {
		require.NoError(t, st.Send(&pb.EntryRequest{RequestId: uint64(i + 1), Command: &pb.EntryRequest_PlaceOrder{
			PlaceOrder: webOrder("cancelled-"+string(rune('a'+i)), line("A", 1))}}))
	}
	deadline := time.Now().Add(10 * time.Second)
	for ts.seq.Stats().InboxDepth == 0 {
		require.True(t, time.Now().Before(deadline), "the entry batch never reached the inbox")
		time.Sleep(time.Millisecond)
	}
	cancel() // the client goes away: SubmitBatch returns "outcome unknown"
	// oms serve's shutdown order: drain, stop gRPC (every handler, hence
	// every batcher, has returned), snapshot, close the sequencer (which
	// journals what is still in its inbox), close the journal.
	ts.stop = true
	_ = ts.conn.Close()
	ts.gw.Drain()
	ts.srv.GracefulStop()
	_, err = ts.seq.Snapshot(context.Background())
	require.NoError(t, err)
	gated.Store(false)
	close(gate) // the writer now drains the abandoned request
	require.NoError(t, ts.seq.Close())
	require.NoError(t, ts.j.Close())

	// The restart: recovery from the shutdown snapshot replays the commands
	// after it.
	j, err := journal.Open(dir, journal.Options{Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	defer j.Close()
	_, err = j.Recover(engine.New(), journal.ReplayOptions{})
	require.NoError(t, err, "the server must restart after a client cancelled an entry stream")
}

// TestEntryPipelinesOtherRequests: requests other than place orders on an
// entry stream run concurrently, so pipelined cancels share journal writes
// instead of waiting for one each (with a 2 ms write, 256 cancels run one
// at a time took 256 writes).
func TestEntryPipelinesOtherRequests(t *testing.T) {
	ts := startTestServer(t, t.TempDir(), serverOpts{seq: sequencer.Options{
		OnBatch: func(int, time.Duration) { time.Sleep(2 * time.Millisecond) }, // a slower disk's fsync
	}})
	setupCommerce(t, ts)
	const n = 256
	st, err := pb.NewOrderEntryServiceClient(ts.conn).Entry(ctxAs(t, adminTok))
	require.NoError(t, err)
	b0 := ts.seq.Stats().Batches
	start := time.Now()
	for i := range n {
		require.NoError(t, st.Send(&pb.EntryRequest{RequestId: uint64(i + 1), Command: &pb.EntryRequest_CancelCommerceOrder{
			CancelCommerceOrder: &pb.CancelCommerceOrderRequest{OrderId: uint64(1_000_000 + i)}}}))
	}
	require.NoError(t, st.CloseSend())
	for range n {
		_, err := st.Recv()
		require.NoError(t, err)
	}
	writes := ts.seq.Stats().Batches - b0
	t.Logf("%d cancels: %d journal writes, %v", n, writes, time.Since(start))
	require.Less(t, writes, uint64(n/8), "pipelined cancels should share journal writes")
}
