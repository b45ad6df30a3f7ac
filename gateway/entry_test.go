package gateway

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/engine/commerce"
	pb "github.com/ordercore/oms/proto/omsv1"
	"github.com/ordercore/oms/sequencer"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
)

func TestOrderEntryStream(t *testing.T) {
	ts := startTestServer(t, t.TempDir(), serverOpts{})
	setupTrading(t, ts)
	setupCommerce(t, ts)
	st, err := pb.NewOrderEntryServiceClient(ts.conn).Entry(ctxAs(t, webTok))
	require.NoError(t, err)

	const n = 300
	go func() {
		for i := range n {
			_ = st.Send(&pb.EntryRequest{RequestId: uint64(i + 1), Command: &pb.EntryRequest_PlaceOrder{
				PlaceOrder: webOrder(fmt.Sprintf("e-%d", i%250), line("A", 1))}}) // 50 re-submits
		}
		_ = st.Send(&pb.EntryRequest{RequestId: n + 1, Command: &pb.EntryRequest_PlaceOrder{PlaceOrder: &pb.PlaceOrderRequest{}}})
		_ = st.Send(&pb.EntryRequest{RequestId: n + 2, Command: &pb.EntryRequest_NewOrder{NewOrder: limit("A", "x", pb.Side_SIDE_BUY, 10_000, 1)}})
		_ = st.Send(&pb.EntryRequest{RequestId: n + 3})
		_ = st.CloseSend()
	}()
	seen := map[uint64]*pb.EntryResponse{}
	dups := 0
	for {
		r, err := st.Recv()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		require.Nil(t, seen[r.GetRequestId()], "answered twice")
		seen[r.GetRequestId()] = r
		if r.GetCommerce().GetDuplicate() {
			dups++
		}
	}
	require.Len(t, seen, n+3)
	require.Equal(t, 50, dups, "re-submits are idempotent on the stream too")
	for i := uint64(1); i <= n; i++ {
		require.Nil(t, seen[i].GetError(), "request %d", i)
		require.NotZero(t, seen[i].GetCommerce().GetOrderId())
	}
	require.Equal(t, int32(codes.InvalidArgument), seen[n+1].GetError().GetCode())
	require.Contains(t, seen[n+1].GetError().GetFields(), "channel")
	require.Equal(t, int32(codes.PermissionDenied), seen[n+2].GetError().GetCode(), "a channel token cannot trade")
	require.Equal(t, int32(codes.InvalidArgument), seen[n+3].GetError().GetCode())

	c, err := ts.commerce().GetCounters(ctxAs(t, webTok), &pb.GetCountersRequest{})
	require.NoError(t, err)
	require.Equal(t, "web.orders", c.GetCounters()[0].GetName())
	require.Equal(t, int64(250), c.GetCounters()[0].GetValue(), "250 distinct orders")
}

func TestOrderEntryNeedsToken(t *testing.T) {
	ts := startTestServer(t, t.TempDir(), serverOpts{})
	st, err := pb.NewOrderEntryServiceClient(ts.conn).Entry(ctxAs(t, ""))
	require.NoError(t, err)
	_, err = st.Recv()
	requireCode(t, err, codes.Unauthenticated)
}

func TestOrderEntryEndsOnDrain(t *testing.T) {
	ts := startTestServer(t, t.TempDir(), serverOpts{})
	setupCommerce(t, ts)
	st, err := pb.NewOrderEntryServiceClient(ts.conn).Entry(ctxAs(t, webTok))
	require.NoError(t, err)
	require.NoError(t, st.Send(&pb.EntryRequest{RequestId: 1, Command: &pb.EntryRequest_PlaceOrder{PlaceOrder: webOrder("d1", line("A", 1))}}))
	r, err := st.Recv()
	require.NoError(t, err)
	require.Nil(t, r.GetError())
	ts.gw.Drain()
	_, err = st.Recv()
	requireCode(t, err, codes.Unavailable)
}

// Place orders on entry streams go to the sequencer in batches; a batch
// the full inbox refuses is answered RESOURCE_EXHAUSTED, order by order.
func TestOrderEntryOverloadIsResourceExhausted(t *testing.T) {
	ts := startTestServer(t, t.TempDir(), serverOpts{seq: sequencer.Options{InboxSize: 1, MaxBatch: 1}})
	setupCommerce(t, ts)
	deadline := time.Now().Add(20 * time.Second)
	seen := false
	for round := 0; !seen && time.Now().Before(deadline); round++ {
		codesSeen := make(chan codes.Code, 8*50)
		var wg sync.WaitGroup
		for s := range 8 {
			st, err := pb.NewOrderEntryServiceClient(ts.conn).Entry(ctxAs(t, webTok))
			require.NoError(t, err)
			wg.Go(func() {
				go func() {
					for i := range 50 {
						_ = st.Send(&pb.EntryRequest{RequestId: uint64(i + 1), Command: &pb.EntryRequest_PlaceOrder{
							PlaceOrder: webOrder(fmt.Sprintf("ov-%d-%d-%d", round, s, i), line("A", 1))}})
					}
					_ = st.CloseSend()
				}()
				for {
					r, err := st.Recv()
					if err != nil {
						return
					}
					codesSeen <- codes.Code(r.GetError().GetCode())
				}
			})
		}
		wg.Wait()
		close(codesSeen)
		n := 0
		for c := range codesSeen {
			n++
			switch c {
			case codes.ResourceExhausted:
				seen = true
			case codes.OK:
			default:
				t.Fatalf("unexpected code %v", c)
			}
		}
		require.Equal(t, 8*50, n, "every request answered")
	}
	require.True(t, seen, "8 streams of 50 orders against an inbox of 1 never overloaded")
}

// TestOrderEntryRepliesMatchResults: an entry stream builds its placement
// replies in reused storage; each must equal, field for field, the reply
// built afresh from the same sequencer result (orders of 1 and 2 lines, so
// that replies of different sizes follow one another).
func TestOrderEntryRepliesMatchResults(t *testing.T) {
	ts := startTestServer(t, t.TempDir(), serverOpts{})
	setupCommerce(t, ts)
	from := ts.nextSeq()
	st, err := pb.NewOrderEntryServiceClient(ts.conn).Entry(ctxAs(t, webTok))
	require.NoError(t, err)
	const n = 120
	go func() {
		for i := range n {
			lines := []*pb.OrderLineInput{line("A", 1)}
			if i%3 == 1 {
				lines = append(lines, line("B", 1))
			}
			_ = st.Send(&pb.EntryRequest{RequestId: uint64(i), Command: &pb.EntryRequest_PlaceOrder{
				PlaceOrder: webOrder(fmt.Sprintf("r-%d", i), lines...)}})
		}
		_ = st.CloseSend()
	}()
	bySeq := map[uint64]*pb.CommerceCommandResult{}
	for {
		r, err := st.Recv()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		require.Nil(t, r.GetError())
		bySeq[r.GetCommerce().GetSeq()] = r.GetCommerce()
	}
	require.Len(t, bySeq, n)
	sub, err := ts.seq.Subscribe(from, 1)
	require.NoError(t, err)
	defer sub.Close()
	sizes := map[int]bool{}
	for range n {
		res := <-sub.C
		want, err := commerceResult(res, nil, resultView{p: &Principal{Channel: commerce.Web}})
		require.NoError(t, err)
		got := bySeq[res.Seq]
		require.NotNil(t, got, "seq %d answered", res.Seq)
		require.True(t, proto.Equal(want, got), "seq %d:\nwant %v\ngot  %v", res.Seq, want, got)
		sizes[len(got.GetEvents())] = true
	}
	require.GreaterOrEqual(t, len(sizes), 2, "replies of different sizes")
}

// TestOrderEntryRejectionInBatch: an engine rejection among placements of
// one batch answers that request with its error and the others with their
// results.
func TestOrderEntryRejectionInBatch(t *testing.T) {
	ts := startTestServer(t, t.TempDir(), serverOpts{})
	setupCommerce(t, ts)
	st, err := pb.NewOrderEntryServiceClient(ts.conn).Entry(ctxAs(t, webTok))
	require.NoError(t, err)
	for i, sku := range []string{"A", "NOPE", "B", "NOPE", "A"} {
		require.NoError(t, st.Send(&pb.EntryRequest{RequestId: uint64(i), Command: &pb.EntryRequest_PlaceOrder{
			PlaceOrder: webOrder(fmt.Sprintf("rej-%d", i), line(sku, 1))}}))
	}
	require.NoError(t, st.CloseSend())
	got := map[uint64]*pb.EntryResponse{}
	for {
		r, err := st.Recv()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		got[r.GetRequestId()] = r
	}
	require.Len(t, got, 5)
	for _, i := range []uint64{0, 2, 4} {
		require.Nil(t, got[i].GetError(), "request %d", i)
		require.NotZero(t, got[i].GetCommerce().GetOrderId(), "request %d", i)
	}
	for _, i := range []uint64{1, 3} {
		require.Equal(t, "unknown_sku", got[i].GetError().GetReason(), "request %d", i)
	}
}

// TestOrderEntryRefusesRequestIDInFlight: a request whose request_id is
// that of a request still in flight on the stream is refused at once,
// INVALID_ARGUMENT naming request_id, and its command is not submitted;
// the first request is answered as usual. Once its answer has arrived the
// id may be used again, for a new command (the stream keeps no memory of
// answered ids). Before, the second was submitted too and the client got
// two answers it could not tell apart.
func TestOrderEntryRefusesRequestIDInFlight(t *testing.T) {
	var gated atomic.Bool
	entered := make(chan struct{}, 1)
	gate := make(chan struct{})
	var once sync.Once
	open := func() { once.Do(func() { gated.Store(false); close(gate) }) }
	ts := startTestServer(t, t.TempDir(), serverOpts{seq: sequencer.Options{OnBatch: func(int, time.Duration) {
		if gated.Load() {
			select {
			case entered <- struct{}{}:
			default:
			}
			<-gate
		}
	}}})
	t.Cleanup(open) // before the server stops, should the test fail
	setupCommerce(t, ts)
	gated.Store(true)
	// Park the writer: it journals this command and then waits in OnBatch.
	go func() {
		_, _ = ts.seq.Submit(context.Background(), engine.Command{Kind: engine.KindCommerce,
			Commerce: commerce.Command{Kind: commerce.CmdSetStock, SKU: "A", Loc: 1, Qty: 10, Version: 99}})
	}()
	<-entered

	st, err := pb.NewOrderEntryServiceClient(ts.conn).Entry(ctxAs(t, webTok))
	require.NoError(t, err)
	answers := make(chan *pb.EntryResponse, 8)
	go func() {
		for {
			r, err := st.Recv()
			if err != nil {
				close(answers)
				return
			}
			answers <- r
		}
	}()
	next := func() *pb.EntryResponse {
		t.Helper()
		select {
		case r, ok := <-answers:
			require.True(t, ok, "the stream ended")
			return r
		case <-time.After(10 * time.Second):
			t.Fatal("no answer within 10s")
		}
		return nil
	}
	place := func(id uint64, order string) {
		require.NoError(t, st.Send(&pb.EntryRequest{RequestId: id, Command: &pb.EntryRequest_PlaceOrder{
			PlaceOrder: webOrder(order, line("A", 1))}}))
	}
	place(7, "inflight-a")
	deadline := time.Now().Add(10 * time.Second)
	for ts.seq.Stats().InboxDepth == 0 {
		require.True(t, time.Now().Before(deadline), "the first request never reached the inbox")
		time.Sleep(time.Millisecond)
	}
	place(7, "inflight-b")
	r := next() // while the first waits in the sequencer
	require.Equal(t, uint64(7), r.GetRequestId())
	require.Equal(t, int32(codes.InvalidArgument), r.GetError().GetCode())
	require.Equal(t, []string{"request_id"}, r.GetError().GetFields())
	require.Contains(t, r.GetError().GetMessage(), "request_id 7 is in flight")
	require.Equal(t, "request_id_in_flight", r.GetError().GetReason())

	open()
	r = next()
	require.Equal(t, uint64(7), r.GetRequestId())
	require.Nil(t, r.GetError())
	first := r.GetCommerce().GetOrderId()
	require.NotZero(t, first)
	// Answered: the id is free again, for a new command.
	place(7, "inflight-c")
	r = next()
	require.Equal(t, uint64(7), r.GetRequestId())
	require.Nil(t, r.GetError())
	require.NotZero(t, r.GetCommerce().GetOrderId())
	require.NotEqual(t, first, r.GetCommerce().GetOrderId())
	require.NoError(t, st.CloseSend())
	_, more := <-answers
	require.False(t, more, "no other answer")

	c, err := ts.commerce().GetCounters(ctxAs(t, webTok), &pb.GetCountersRequest{})
	require.NoError(t, err)
	require.Equal(t, int64(2), c.GetCounters()[0].GetValue(), "the refused request placed no order")
}
