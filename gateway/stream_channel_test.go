package gateway

import (
	"context"
	"testing"
	"time"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/engine/commerce"
	pb "github.com/ordercore/oms/proto/omsv1"
	"github.com/stretchr/testify/require"
)

// A channel stream resumed after an order's creation carries that order's
// later events even once the live engine has archived it (the events carry
// the order's channel; the live engine no longer knows the order), and
// another channel's stream carries none of them.
func TestChannelStreamCarriesEventsOfArchivedOrders(t *testing.T) {
	ts := startTestServer(t, t.TempDir(), serverOpts{})
	setupCommerce(t, ts)
	cc, web, admin := ts.commerce(), ctxAs(t, webTok), ctxAs(t, adminTok)
	_, err := cc.SetRetention(admin, &pb.SetRetentionRequest{Retention: &pb.Retention{ArchiveAfterNanos: 1, DedupWindowNanos: int64(time.Hour)}})
	require.NoError(t, err)
	placed, err := cc.PlaceOrder(web, webOrder("w-1", line("A", 1)))
	require.NoError(t, err)
	resume := ts.nextSeq() // the web client has seen the creation
	cancelled, err := cc.CancelOrder(web, &pb.CancelCommerceOrderRequest{OrderId: placed.GetOrderId()})
	require.NoError(t, err)
	tick, err := ts.seq.Submit(context.Background(), engine.Command{Kind: engine.KindTick})
	require.NoError(t, err)
	// A re-submit of the archived placement replays it (duplicate events).
	dup, err := cc.PlaceOrder(web, webOrder("w-1", line("A", 1)))
	require.NoError(t, err)
	require.Equal(t, placed.GetOrderId(), dup.GetOrderId())
	end := ts.nextSeq()
	// Markers after: an order on each channel.
	_, err = cc.PlaceOrder(web, webOrder("w-marker", line("B", 1)))
	require.NoError(t, err)
	mkt := webOrder("m-marker", line("B", 1))
	mkt.Channel = pb.Channel_CHANNEL_MARKETPLACE
	_, err = cc.PlaceOrder(ctxAs(t, mktTok), mkt)
	require.NoError(t, err)

	collect := func(ctx context.Context, ch pb.Channel) []*pb.OrderEventMessage {
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		st, err := ts.streams().SubscribeOrders(sctx, &pb.SubscribeOrdersRequest{Channel: ch, FromSeq: resume})
		require.NoError(t, err)
		var got []*pb.OrderEventMessage
		for {
			m, err := st.Recv()
			require.NoError(t, err)
			if m.GetSeq() >= end {
				return got
			}
			got = append(got, m)
		}
	}
	got := collect(admin, pb.Channel_CHANNEL_WEB)
	id := placed.GetOrderId()
	ofOrder := func(evs []*pb.CommerceEvent) (n int) {
		for _, e := range evs {
			if e.GetOrderId() == id {
				n++
			}
		}
		return n
	}
	archived := 0
	for _, c := range tick.Commerce {
		if c.Order == commerce.OrderID(id) && c.Kind == commerce.EvArchived {
			archived++
		}
	}
	require.Equal(t, 1, archived, "the tick archived the order")
	nCancel := ofOrder(cancelled.GetEvents())
	require.GreaterOrEqual(t, nCancel, 3)
	// The re-submit's reply replays the placement; the stream does not,
	// as those events are not changes (they show the order as placed).
	require.NotZero(t, ofOrder(dup.GetEvents()))
	require.True(t, dup.GetDuplicate())
	require.Len(t, got, nCancel+archived, "the cancel's events and the archive, not the replayed placement")
	for _, m := range got {
		e := m.GetCommerce()
		require.Equal(t, id, e.GetOrderId())
		require.Equal(t, pb.Channel_CHANNEL_WEB, e.GetChannel(), "%s carries its order's channel", e.GetKind())
	}
	require.Equal(t, "archived", got[nCancel].GetCommerce().GetKind())
	require.Empty(t, collect(admin, pb.Channel_CHANNEL_MARKETPLACE), "another channel's order")
}
