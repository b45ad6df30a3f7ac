package gateway

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ordercore/oms/journal"
	pb "github.com/ordercore/oms/proto/omsv1"
	"github.com/ordercore/oms/sequencer"
	"github.com/stretchr/testify/require"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// recvN receives n messages, failing on error.
func recvN[T any](t *testing.T, recv func() (T, error), n int) []T {
	t.Helper()
	var out []T
	for len(out) < n {
		m, err := recv()
		require.NoError(t, err)
		out = append(out, m)
	}
	return out
}

func TestMarketDataResumeAfterReconnect(t *testing.T) {
	ts := startTestServer(t, t.TempDir(), serverOpts{})
	setupTrading(t, ts)
	tc, desk := ts.trading(), ctxAs(t, deskTok)

	ctx, cancel := context.WithCancel(ctxAs(t, deskTok))
	st, err := ts.streams().SubscribeMarketData(ctx, &pb.SubscribeMarketDataRequest{Symbol: "XYZ", FromSeq: ts.nextSeq()})
	require.NoError(t, err)
	_, err = tc.NewOrder(desk, limit("A", "s1", pb.Side_SIDE_SELL, 10_100, 5))
	require.NoError(t, err)
	first := recvN(t, st.Recv, 1)[0]
	require.Equal(t, "level", first.GetEvent().GetKind())
	require.Equal(t, "XYZ", first.GetEvent().GetSymbol())
	cancel() // the consumer goes away

	// While it is away: a trade and level changes.
	_, err = tc.NewOrder(desk, limit("B", "b1", pb.Side_SIDE_BUY, 10_100, 2))
	require.NoError(t, err)
	_, err = tc.NewOrder(desk, limit("A", "s2", pb.Side_SIDE_SELL, 10_200, 1))
	require.NoError(t, err)

	st, err = ts.streams().SubscribeMarketData(ctxAs(t, deskTok), &pb.SubscribeMarketDataRequest{Symbol: "XYZ", FromSeq: first.GetSeq() + 1})
	require.NoError(t, err)
	msgs := recvN(t, st.Recv, 3)
	require.Equal(t, "trade", msgs[0].GetEvent().GetKind())
	require.Equal(t, int64(2), msgs[0].GetEvent().GetLastQty())
	require.Empty(t, msgs[0].GetEvent().GetOrder(), "market data carries no order")
	require.Equal(t, "level", msgs[1].GetEvent().GetKind())
	require.Equal(t, int64(3), msgs[1].GetEvent().GetLastQty())
	require.Equal(t, "level", msgs[2].GetEvent().GetKind())
	require.Equal(t, int64(10_200), msgs[2].GetEvent().GetLastPx())
	require.Greater(t, msgs[2].GetSeq(), msgs[0].GetSeq())
	// The trade's seq carries two messages, the second marked last; the
	// next order's one.
	require.Equal(t, msgs[0].GetSeq(), msgs[1].GetSeq())
	require.Equal(t, []uint32{0, 1, 0}, []uint32{msgs[0].GetSeqIndex(), msgs[1].GetSeqIndex(), msgs[2].GetSeqIndex()})
	require.Equal(t, []bool{false, true, true}, []bool{msgs[0].GetSeqLast(), msgs[1].GetSeqLast(), msgs[2].GetSeqLast()})
}

// A stream that broke part way through a seq's messages resumes exactly:
// from that seq, the same messages come again with the same seq_index, so
// the consumer skips those it has and misses none.
func TestStreamResumeWithinASeq(t *testing.T) {
	ts := startTestServer(t, t.TempDir(), serverOpts{})
	setupCommerce(t, ts)
	web := ctxAs(t, webTok)
	from := ts.nextSeq()
	ctx, cancel := context.WithCancel(web)
	st, err := ts.streams().SubscribeOrders(ctx, &pb.SubscribeOrdersRequest{Channel: pb.Channel_CHANNEL_WEB, FromSeq: from})
	require.NoError(t, err)
	_, err = ts.commerce().PlaceOrder(web, webOrder("w1", line("A", 2)))
	require.NoError(t, err)
	var all []*pb.OrderEventMessage
	for len(all) == 0 || !all[len(all)-1].GetSeqLast() {
		all = append(all, recvN(t, st.Recv, 1)[0])
	}
	require.Greater(t, len(all), 2, "a placement shows on the stream as several messages")
	for i, m := range all {
		require.Equal(t, from, m.GetSeq())
		require.Equal(t, uint32(i), m.GetSeqIndex())
		require.Equal(t, i == len(all)-1, m.GetSeqLast())
	}
	cancel()

	// The consumer saw only the first two: it resumes from their seq.
	st, err = ts.streams().SubscribeOrders(web, &pb.SubscribeOrdersRequest{Channel: pb.Channel_CHANNEL_WEB, FromSeq: all[1].GetSeq()})
	require.NoError(t, err)
	again := recvN(t, st.Recv, len(all))
	for i := range all {
		require.True(t, proto.Equal(all[i], again[i]), "message %d: %v, then %v", i, all[i], again[i])
	}
}

func TestOrderAndInventoryStreams(t *testing.T) {
	ts := startTestServer(t, t.TempDir(), serverOpts{})
	setupTrading(t, ts)
	setupCommerce(t, ts)
	web := ctxAs(t, webTok)

	from := ts.nextSeq()
	orders, err := ts.streams().SubscribeOrders(web, &pb.SubscribeOrdersRequest{Channel: pb.Channel_CHANNEL_WEB, FromSeq: from})
	require.NoError(t, err)
	inv, err := ts.streams().SubscribeInventory(web, &pb.SubscribeInventoryRequest{Skus: []string{"A"}, FromSeq: from})
	require.NoError(t, err)
	trades, err := ts.streams().SubscribeOrders(ctxAs(t, otherTok), &pb.SubscribeOrdersRequest{Account: "C", FromSeq: from})
	require.NoError(t, err)

	// Another channel's order and another account's order are not seen.
	_, err = ts.commerce().PlaceOrder(ctxAs(t, mktTok), &pb.PlaceOrderRequest{Channel: pb.Channel_CHANNEL_MARKETPLACE,
		ChannelOrderId: "m1", Customer: "c", ShipTo: paris, Lines: []*pb.OrderLineInput{line("B", 1)}})
	require.NoError(t, err)
	_, err = ts.trading().NewOrder(ctxAs(t, deskTok), limit("A", "a1", pb.Side_SIDE_SELL, 10_000, 1))
	require.NoError(t, err)
	placed, err := ts.commerce().PlaceOrder(web, webOrder("w1", line("A", 2)))
	require.NoError(t, err)
	_, err = ts.trading().NewOrder(ctxAs(t, otherTok), limit("C", "c1", pb.Side_SIDE_BUY, 10_000, 1))
	require.NoError(t, err)

	m := recvN(t, orders.Recv, 1)[0]
	require.Equal(t, "order-created", m.GetCommerce().GetKind())
	require.Equal(t, placed.GetOrderId(), m.GetCommerce().GetOrderId())
	m = recvN(t, orders.Recv, 1)[0]
	require.Equal(t, placed.GetOrderId(), m.GetCommerce().GetOrderId(), "events after creation follow the order")

	iv := recvN(t, inv.Recv, 1)[0]
	require.Equal(t, "A", iv.GetEvent().GetSku())
	require.Equal(t, "stock", iv.GetEvent().GetKind())

	tm := recvN(t, trades.Recv, 2)
	require.Equal(t, "accepted", tm[0].GetTrade().GetKind())
	require.Equal(t, "C", tm[0].GetTrade().GetOrder().GetAccount())
	require.Equal(t, "trade", tm[1].GetTrade().GetKind(), "C's buy traded with A's sell: C sees it")

	// Denials.
	_, err = recvErr(ts.streams().SubscribeOrders(ctxAs(t, mktTok), &pb.SubscribeOrdersRequest{Channel: pb.Channel_CHANNEL_WEB}))
	requireCode(t, err, codes.PermissionDenied)
	_, err = recvErr(ts.streams().SubscribeOrders(ctxAs(t, webTok), &pb.SubscribeOrdersRequest{}))
	requireCode(t, err, codes.InvalidArgument)
	_, err = recvErr(ts.streams().SubscribeOrders(ctxAs(t, mktTok), &pb.SubscribeOrdersRequest{OrderId: placed.GetOrderId()}))
	requireCode(t, err, codes.NotFound)
	_, err = recvErr(ts.streams().SubscribeInventory(ctxAs(t, deskTok), &pb.SubscribeInventoryRequest{}))
	requireCode(t, err, codes.PermissionDenied)
}

// recvErr returns the first Recv's error of a stream that opened.
func recvErr[T any, S interface{ Recv() (T, error) }](s S, err error) (T, error) {
	if err != nil {
		var zero T
		return zero, err
	}
	return s.Recv()
}

func TestStreamTooOldAndDrain(t *testing.T) {
	ts := startTestServer(t, t.TempDir(), serverOpts{seq: sequencer.Options{RingSize: 4}, noCatchUp: true})
	setupTrading(t, ts) // 4 commands
	_, err := ts.trading().AddAccount(ctxAs(t, adminTok), &pb.AddAccountRequest{Account: &pb.Account{Id: "D"}})
	require.NoError(t, err)
	_, err = recvErr(ts.streams().SubscribeMarketData(ctxAs(t, deskTok), &pb.SubscribeMarketDataRequest{FromSeq: 1}))
	requireCode(t, err, codes.OutOfRange)
	_, err = recvErr(ts.streams().SubscribeMarketData(ctxAs(t, deskTok), &pb.SubscribeMarketDataRequest{FromSeq: 99}))
	requireCode(t, err, codes.InvalidArgument)

	st, err := ts.streams().SubscribeMarketData(ctxAs(t, deskTok), &pb.SubscribeMarketDataRequest{FromSeq: ts.nextSeq()})
	require.NoError(t, err)
	// The stream is open once a first event arrives on it.
	_, err = ts.trading().NewOrder(ctxAs(t, deskTok), limit("A", "s1", pb.Side_SIDE_SELL, 10_100, 5))
	require.NoError(t, err)
	msg := recvN(t, st.Recv, 1)[0]
	ts.gw.Drain()
	_, err = st.Recv()
	s := requireCode(t, err, codes.Unavailable)
	require.Contains(t, s.Message(), "from_seq=")
	_, err = ts.trading().ListInstruments(ctxAs(t, deskTok), &pb.ListInstrumentsRequest{})
	requireCode(t, err, codes.Unavailable)
	require.NotZero(t, msg.GetSeq())
}

func TestRestartKeepsState(t *testing.T) {
	dir := t.TempDir()
	ts := startTestServer(t, dir, serverOpts{})
	setupTrading(t, ts)
	setupCommerce(t, ts)
	res, err := ts.trading().NewOrder(ctxAs(t, deskTok), limit("A", "s1", pb.Side_SIDE_SELL, 10_100, 5))
	require.NoError(t, err)
	placed, err := ts.commerce().PlaceOrder(ctxAs(t, webTok), webOrder("w1", line("A", 2)))
	require.NoError(t, err)
	before, err := ts.admin().GetStatus(ctxAs(t, adminTok), &pb.GetStatusRequest{})
	require.NoError(t, err)
	ts.shutdown()

	ts = startTestServer(t, dir, serverOpts{})
	after, err := ts.admin().GetStatus(ctxAs(t, adminTok), &pb.GetStatusRequest{})
	require.NoError(t, err)
	require.Equal(t, before.GetLastSeq(), after.GetLastSeq())
	require.Equal(t, before.GetDigest(), after.GetDigest())
	o, err := ts.trading().GetOrder(ctxAs(t, deskTok), &pb.GetTradeOrderRequest{OrderId: res.GetOrder().GetOrderId()})
	require.NoError(t, err)
	require.Equal(t, int64(5), o.GetLeavesQty())
	co, err := ts.commerce().GetOrder(ctxAs(t, webTok), &pb.GetOrderRequest{OrderId: placed.GetOrderId()})
	require.NoError(t, err)
	require.Equal(t, "w1", co.GetChannelOrderId())
	// The idempotency key survives the restart too.
	again, err := ts.commerce().PlaceOrder(ctxAs(t, webTok), webOrder("w1", line("A", 2)))
	require.NoError(t, err)
	require.True(t, again.GetDuplicate())
	snap, err := ts.admin().Snapshot(ctxAs(t, adminTok), &pb.SnapshotRequest{})
	require.NoError(t, err)
	require.Equal(t, after.GetLastSeq()+1, snap.GetSeq())
}

func TestOverloadIsResourceExhausted(t *testing.T) {
	ts := startTestServer(t, t.TempDir(), serverOpts{seq: sequencer.Options{InboxSize: 1, MaxBatch: 1}})
	setupTrading(t, ts)
	tc := ts.trading()
	ctx := ctxAs(t, deskTok)
	deadline := time.Now().Add(20 * time.Second)
	var seen bool
	for round := 0; !seen && time.Now().Before(deadline); round++ {
		var wg sync.WaitGroup
		errs := make(chan error, 64)
		for i := range 64 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := tc.NewOrder(ctx, limit("A", fmt.Sprintf("o%d-%d", round, i), pb.Side_SIDE_BUY, 9_000, 1))
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			switch status.Code(err) {
			case codes.ResourceExhausted:
				seen = true
			case codes.OK:
			default:
				require.NoError(t, err)
			}
		}
	}
	require.True(t, seen, "64 concurrent orders against an inbox of 1 never overloaded")
}

func TestHealthAndReflectionNeedNoToken(t *testing.T) {
	ts := startTestServer(t, t.TempDir(), serverOpts{})
	h, err := healthpb.NewHealthClient(ts.conn).Check(ctxAs(t, ""), &healthpb.HealthCheckRequest{Service: "oms.v1.TradingService"})
	require.NoError(t, err)
	require.Equal(t, healthpb.HealthCheckResponse_SERVING, h.GetStatus())
	rc, err := grpc_reflection_v1.NewServerReflectionClient(ts.conn).ServerReflectionInfo(ctxAs(t, ""))
	require.NoError(t, err)
	require.NoError(t, rc.Send(&grpc_reflection_v1.ServerReflectionRequest{
		MessageRequest: &grpc_reflection_v1.ServerReflectionRequest_ListServices{}}))
	resp, err := rc.Recv()
	require.NoError(t, err)
	var names []string
	for _, s := range resp.GetListServicesResponse().GetService() {
		names = append(names, s.GetName())
	}
	require.Contains(t, names, "oms.v1.CommerceService")
	ts.gw.Drain()
	h, err = healthpb.NewHealthClient(ts.conn).Check(ctxAs(t, ""), &healthpb.HealthCheckRequest{})
	require.NoError(t, err)
	require.Equal(t, healthpb.HealthCheckResponse_NOT_SERVING, h.GetStatus())
}

func TestSeqErrMapping(t *testing.T) {
	require.Equal(t, codes.ResourceExhausted, status.Code(seqErr(sequencer.ErrOverloaded)))
	require.Equal(t, codes.Unavailable, status.Code(seqErr(sequencer.ErrClosed)))
	require.Equal(t, codes.DeadlineExceeded, status.Code(seqErr(context.DeadlineExceeded)))
	require.Equal(t, codes.Internal, status.Code(seqErr(errors.New("disk on fire"))))
	require.NotContains(t, status.Convert(seqErr(errors.New("disk on fire"))).Message(), "disk")
}

// A consumer resumes from a seq the restarted server no longer holds in
// memory: the gateway replays the journal and then carries on live.
func TestStreamResumeAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	ts := startTestServer(t, dir, serverOpts{})
	setupTrading(t, ts)
	desk := ctxAs(t, deskTok)
	for i, px := range []int64{10_100, 10_200, 10_300} {
		_, err := ts.trading().NewOrder(desk, limit("A", fmt.Sprintf("s%d", i), pb.Side_SIDE_SELL, px, 1))
		require.NoError(t, err)
	}
	live, err := ts.streams().SubscribeMarketData(desk, &pb.SubscribeMarketDataRequest{Symbol: "XYZ", FromSeq: 1})
	require.NoError(t, err)
	before := recvN(t, live.Recv, 4) // the instrument, then three levels
	ts.shutdown()

	ts = startTestServer(t, dir, serverOpts{seq: sequencer.Options{RingSize: 2}})
	_, err = ts.trading().NewOrder(ctxAs(t, deskTok), limit("B", "b1", pb.Side_SIDE_BUY, 10_100, 1))
	require.NoError(t, err)
	st, err := ts.streams().SubscribeMarketData(ctxAs(t, deskTok), &pb.SubscribeMarketDataRequest{Symbol: "XYZ", FromSeq: 1})
	require.NoError(t, err)
	after := recvN(t, st.Recv, 6) // the same four, then the trade and its level
	for i := range before {
		require.True(t, proto.Equal(before[i], after[i]), "replayed %d differs:\n%v\n%v", i, before[i], after[i])
	}
	require.Equal(t, "trade", after[4].GetEvent().GetKind())
	require.Equal(t, "level", after[5].GetEvent().GetKind())
	// And it is live: a new level change arrives.
	_, err = ts.trading().NewOrder(ctxAs(t, deskTok), limit("B", "b2", pb.Side_SIDE_BUY, 9_000, 1))
	require.NoError(t, err)
	m := recvN(t, st.Recv, 1)[0]
	require.Equal(t, int64(9_000), m.GetEvent().GetLastPx())
	require.Greater(t, m.GetSeq(), after[5].GetSeq())
}

// A stream that is catching up from the journal when the server drains
// ends with UNAVAILABLE and a resume point after the last event it sent.
func TestStreamCatchUpDrainNamesResumePoint(t *testing.T) {
	dir := t.TempDir()
	ts := startTestServer(t, dir, serverOpts{})
	setupTrading(t, ts)
	desk := ctxAs(t, deskTok)
	for i := range 50 {
		_, err := ts.trading().NewOrder(desk, limit("A", fmt.Sprintf("s%d", i), pb.Side_SIDE_SELL, 10_000+int64(i), 1))
		require.NoError(t, err)
	}
	ts.shutdown()

	ts = startTestServer(t, dir, serverOpts{seq: sequencer.Options{RingSize: 2}, buffer: 1})
	last, err := ts.admin().GetStatus(ctxAs(t, adminTok), &pb.GetStatusRequest{})
	require.NoError(t, err)
	st, err := ts.streams().SubscribeOrders(ctxAs(t, adminTok), &pb.SubscribeOrdersRequest{FromSeq: 1})
	require.NoError(t, err)
	seen := recvN(t, st.Recv, 3)[2].GetSeq()
	ts.gw.Drain()
	for {
		m, err := st.Recv()
		if err != nil {
			s := requireCode(t, err, codes.Unavailable)
			var from uint64
			for _, d := range s.Details() {
				if info, ok := d.(*errdetails.ErrorInfo); ok {
					_, perr := fmt.Sscan(info.GetMetadata()["from_seq"], &from)
					require.NoError(t, perr)
				}
			}
			require.Greater(t, from, seen, "the resume point is after the last event sent")
			require.LessOrEqual(t, from, last.GetLastSeq()+1)
			return
		}
		seen = m.GetSeq()
	}
}

// A resume point the journal has pruned is OUT_OF_RANGE; one it still
// holds is replayed.
func TestStreamResumePrunedIsOutOfRange(t *testing.T) {
	ts := startTestServer(t, t.TempDir(), serverOpts{seq: sequencer.Options{RingSize: 2},
		journal: journal.Options{RetainCommands: 2, KeepSnapshots: 1}})
	setupTrading(t, ts)
	for i := range 5 {
		_, err := ts.trading().NewOrder(ctxAs(t, deskTok), limit("A", fmt.Sprintf("s%d", i), pb.Side_SIDE_SELL, 10_000+int64(i), 1))
		require.NoError(t, err)
	}
	snap, err := ts.admin().Snapshot(ctxAs(t, adminTok), &pb.SnapshotRequest{})
	require.NoError(t, err)
	_, err = recvErr(ts.streams().SubscribeMarketData(ctxAs(t, deskTok), &pb.SubscribeMarketDataRequest{FromSeq: 1}))
	requireCode(t, err, codes.OutOfRange)
	st, err := ts.streams().SubscribeMarketData(ctxAs(t, deskTok), &pb.SubscribeMarketDataRequest{FromSeq: snap.GetSeq() - 1})
	require.NoError(t, err)
	m := recvN(t, st.Recv, 1)[0]
	require.Equal(t, snap.GetSeq()-1, m.GetSeq(), "the retained commands are replayed")
}

// A stream following one trading order carries only that order's events:
// a mass cancel is no order, though the engine numbers mass cancels from 1
// as it does orders. (Its number sat in the event's order id, and a stream
// following order 1 received mass cancel 1 of another account.)
func TestTradeOrderStreamLeavesOutMassCancels(t *testing.T) {
	ts := startTestServer(t, t.TempDir(), serverOpts{})
	setupTrading(t, ts)
	desk := ctxAs(t, deskTok)
	placed, err := ts.trading().NewOrder(desk, limit("A", "s1", pb.Side_SIDE_SELL, 10_100, 5))
	require.NoError(t, err)
	id := placed.GetEvents()[0].GetOrder().GetOrderId()
	require.Equal(t, uint64(1), id)
	st, err := ts.streams().SubscribeOrders(desk, &pb.SubscribeOrdersRequest{TradeOrderId: id, FromSeq: ts.nextSeq()})
	require.NoError(t, err)
	mc, err := ts.trading().MassCancel(desk, &pb.MassCancelRequest{Account: "B", ClOrdId: "m1"}) // mass cancel 1
	require.NoError(t, err)
	require.Equal(t, uint64(0), mc.GetEvents()[0].GetOrder().GetOrderId())
	_, err = ts.trading().CancelOrder(desk, &pb.CancelOrderRequest{Account: "A", OrigClOrdId: "s1", ClOrdId: "c1"})
	require.NoError(t, err)
	m := recvN(t, st.Recv, 1)[0]
	require.Equal(t, "canceled", m.GetTrade().GetKind(), "the first event on the stream is the order's own cancel")
}
