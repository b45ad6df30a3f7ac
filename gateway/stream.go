package gateway

import (
	"context"
	"errors"
	"fmt"

	"github.com/ordercore/oms/engine/book"
	"github.com/ordercore/oms/engine/commerce"
	pb "github.com/ordercore/oms/proto/omsv1"
	"github.com/ordercore/oms/sequencer"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

type streamServer struct {
	pb.UnimplementedStreamServiceServer
	g *Gateway
}

// follow subscribes from seq from and calls send with every result until
// the client goes away, the gateway drains, or the subscription ends. The
// error it returns tells the client where to resume. A resume point older
// than the sequencer's ring is rebuilt from the journal by the sequencer
// (Options.ResumeFromJournal) before the stream goes live.
func (g *Gateway) follow(ctx context.Context, from uint64, send func(*sequencer.Result) error) error {
	sub, err := g.seq.Subscribe(from, g.buffer)
	switch {
	case errors.Is(err, sequencer.ErrTooOld):
		return status.Errorf(codes.OutOfRange, "from_seq %d is older than the server can replay", from)
	case errors.Is(err, sequencer.ErrClosed):
		return status.Error(codes.Unavailable, "server shutting down")
	case err != nil:
		return invalidField("from_seq", err.Error())
	}
	defer sub.Close()
	// The resume point until a result arrives: the subscription's first
	// seq, never from itself, which is 0 for a live stream ("whatever comes
	// next" would skip what is committed before the client resumes).
	next := sub.From()
	for {
		select {
		case <-ctx.Done():
			return status.FromContextError(ctx.Err()).Err()
		case <-g.drained:
			return resumeErr(codes.Unavailable, "server shutting down", next)
		case r, ok := <-sub.C:
			if !ok {
				return g.subscriptionEnded(sub.Err(), next)
			}
			if err := send(r); err != nil {
				return err
			}
			next = r.Seq + 1
		}
	}
}

// subscriptionEnded maps why a subscription ended to the stream's status.
func (g *Gateway) subscriptionEnded(err error, next uint64) error {
	switch {
	case errors.Is(err, sequencer.ErrSlowConsumer):
		return resumeErr(codes.ResourceExhausted, "stream fell behind", next)
	case errors.Is(err, sequencer.ErrTooOld):
		// The journal was pruned while the catch-up rebuilt the state.
		return status.Errorf(codes.OutOfRange, "from_seq %d is older than the server can replay", next)
	case err == nil, errors.Is(err, sequencer.ErrClosed):
		return resumeErr(codes.Unavailable, "server shutting down", next)
	}
	g.log.Error("stream: journal catch-up failed", "next_seq", next, "err", err)
	return status.Error(codes.Internal, fmt.Sprintf("cannot replay from seq %d", next))
}

// resumeErr ends a stream with the sequence number to resume from, in the
// message and as a google.rpc.ErrorInfo.
func resumeErr(c codes.Code, msg string, next uint64) error {
	st := status.New(c, fmt.Sprintf("%s: resume with from_seq=%d", msg, next))
	st, _ = st.WithDetails(&errdetails.ErrorInfo{Reason: "resume", Domain: "oms.stream",
		Metadata: map[string]string{"from_seq": fmt.Sprint(next)}})
	return st.Err()
}

// orderFilter decides which events an order stream carries.
type orderFilter struct {
	g          *Gateway
	p          *Principal
	channel    commerce.Channel
	order      commerce.OrderID
	account    string
	tradeOrder book.OrderID
}

// commerce reports whether the stream carries e, an event of the current
// result. It fails, rather than drop the event, when a channel stream
// cannot tell the order's channel.
func (f *orderFilter) commerce(e *commerce.Event) (bool, error) {
	if e.Duplicate {
		// The replayed first result of a re-submitted placement: its
		// caller gets it in the reply; on a stream it would show a state
		// the order has since left (backordered when it is now allocated),
		// and a mirror following the latest state would go backwards.
		return false, nil
	}
	switch e.Kind {
	case commerce.EvRejected, commerce.EvLocation, commerce.EvStock, commerce.EvInbound, commerce.EvRules,
		commerce.EvCustomer, commerce.EvReserved, commerce.EvReservationExpired:
		return false, nil
	}
	if e.Order == 0 {
		return false, nil
	}
	switch {
	case f.order != 0:
		return e.Order == f.order, nil
	case f.channel != 0:
		ch, err := f.orderChannel(e)
		return ch == f.channel, err
	}
	return f.p.Admin && f.account == "" && f.tradeOrder == 0, nil
}

// orderChannel returns the channel of e's order. The engine sets it on
// every event about an order, the replayed events of a re-submitted
// placement included, so that it never has to be looked up: the live
// engine no longer knows an order archived since e (a resumed stream
// replays the past), and a lookup that fails must not read as "another
// channel". An event without one is a bug, reported, never dropped.
func (f *orderFilter) orderChannel(e *commerce.Event) (commerce.Channel, error) {
	if e.Channel != 0 {
		return e.Channel, nil
	}
	f.g.log.Error("stream: an order event without its channel", "order", e.Order, "kind", e.Kind.String())
	return 0, status.Errorf(codes.Internal, "cannot tell the channel of order %d (event %s)", e.Order, e.Kind)
}

// trade returns the event as this stream shows it, or nil. A trade is
// shown from the side the filter follows: the maker's view when only the
// resting order is followed.
func (f *orderFilter) trade(e *book.Event) *pb.TradeEvent {
	switch e.Kind {
	case book.EvLevel, book.EvInstrument, book.EvAccount, book.EvEndOfDay:
		return nil
	}
	follows := func(o *book.OrderState) bool {
		if o.Account == "" || !f.p.CanTrade(o.Account) {
			return false
		}
		switch {
		case f.tradeOrder != 0:
			return o.ID == f.tradeOrder
		case f.account != "":
			return o.Account == f.account
		}
		return f.p.Admin && f.channel == 0 && f.order == 0
	}
	switch {
	case follows(&e.Order):
		return tradeView(f.p, e, false)
	case e.Kind == book.EvTrade && follows(&e.Maker):
		return tradeView(f.p, e, true)
	}
	return nil
}

func (s *streamServer) SubscribeOrders(r *pb.SubscribeOrdersRequest, ss pb.StreamService_SubscribeOrdersServer) error {
	ctx := ss.Context()
	p := principal(ctx)
	f := &orderFilter{g: s.g, p: p, channel: commerce.Channel(r.GetChannel()), order: commerce.OrderID(r.GetOrderId()),
		account: r.GetAccount(), tradeOrder: book.OrderID(r.GetTradeOrderId())}
	if err := s.checkOrderFilter(ctx, r, f); err != nil {
		return err
	}
	var msgs []*pb.OrderEventMessage
	return s.g.follow(ctx, r.GetFromSeq(), func(res *sequencer.Result) error {
		msgs = msgs[:0]
		for i := range res.Commerce {
			e := &res.Commerce[i]
			ok, err := f.commerce(e)
			if err != nil {
				return err
			}
			if ok {
				msgs = append(msgs, &pb.OrderEventMessage{Seq: res.Seq, TimeUnixNano: res.Time,
					Event: &pb.OrderEventMessage_Commerce{Commerce: commerceEventToPB(e)}})
			}
		}
		for i := range res.Trade {
			if v := f.trade(&res.Trade[i]); v != nil {
				msgs = append(msgs, &pb.OrderEventMessage{Seq: res.Seq, TimeUnixNano: res.Time, Event: &pb.OrderEventMessage_Trade{Trade: v}})
			}
		}
		return sendSeq(msgs, func(m *pb.OrderEventMessage, i uint32, last bool) { m.SeqIndex, m.SeqLast = i, last }, ss.Send)
	})
}

// sendSeq sends the messages a stream carries for one result, numbered
// (seq_index) and the last one marked (seq_last), so that a consumer whose
// stream broke part way through a seq can resume exactly (see
// stream.proto).
func sendSeq[M any](msgs []M, mark func(m M, index uint32, last bool), send func(M) error) error {
	for i, m := range msgs {
		mark(m, uint32(i), i == len(msgs)-1)
		if err := send(m); err != nil {
			return err
		}
	}
	return nil
}

// checkOrderFilter validates the filter and the caller's right to it.
func (s *streamServer) checkOrderFilter(ctx context.Context, r *pb.SubscribeOrdersRequest, f *orderFilter) error {
	var v violations
	n := 0
	for _, set := range []bool{r.GetChannel() != 0, r.GetOrderId() != 0, r.GetAccount() != "", r.GetTradeOrderId() != 0} {
		if set {
			n++
		}
	}
	if n > 1 {
		v.add("channel", "set at most one of channel, order_id, account and trade_order_id")
	}
	if n == 0 && !f.p.Admin {
		v.add("channel", "set one of channel, order_id, account and trade_order_id (only an administrator may follow every order)")
	}
	checkEnum(&v, "channel", r.GetChannel(), pb.Channel_CHANNEL_B2B, false)
	checkID(&v, "account", r.GetAccount(), false)
	if err := v.err(); err != nil {
		return err
	}
	switch {
	case f.channel != 0 && !f.p.CanChannel(f.channel):
		return status.Errorf(codes.PermissionDenied, "token may not follow channel %s", f.channel)
	case f.account != "" && !f.p.CanTrade(f.account):
		return status.Errorf(codes.PermissionDenied, "token may not follow account %q", f.account)
	case f.order != 0 && !f.p.Admin:
		if f.p.Channel == 0 {
			return status.Error(codes.PermissionDenied, "this stream needs a channel or administrator token")
		}
		return s.g.checkOrderChannel(ctx, f.order, f.p.Channel)
	case f.tradeOrder != 0 && len(f.p.Accounts) == 0 && !f.p.Admin:
		return status.Error(codes.PermissionDenied, "this stream needs a trading or administrator token")
	}
	return nil
}

// inventoryEvent reports whether e belongs on the inventory stream: a stock
// or reservation change. The replayed events of a re-submitted placement
// (Duplicate) are not changes.
func inventoryEvent(e *commerce.Event) bool {
	if e.Duplicate {
		return false
	}
	switch e.Kind {
	case commerce.EvStock, commerce.EvInbound, commerce.EvReserved, commerce.EvReservationReleased, commerce.EvReservationExpired:
		return true
	}
	return false
}

// inventoryEventToPB is e as p may see it on the inventory stream, which
// every channel reads: a reservation of another channel keeps its SKU,
// location, quantity and expiry (availability is public) but not the
// channel, nor the order and line that consumed it.
func inventoryEventToPB(p *Principal, e *commerce.Event) *pb.CommerceEvent {
	// Whole to an administrator, to the channel the event is about, and when
	// it is about no channel and names no order (an administrator's
	// reservation); an order event without its channel is redacted.
	if p.Admin || e.Channel != 0 && p.CanChannel(e.Channel) || e.Channel == 0 && e.Order == 0 {
		return commerceEventToPB(e)
	}
	r := *e
	r.Channel, r.Order, r.Line, r.ChannelOrderID, r.Customer = 0, 0, 0, "", ""
	return commerceEventToPB(&r)
}

// SubscribeInventory needs a channel or an administrator token.
func (s *streamServer) SubscribeInventory(r *pb.SubscribeInventoryRequest, ss pb.StreamService_SubscribeInventoryServer) error {
	ctx := ss.Context()
	if err := channelOrAdmin(ctx); err != nil {
		return err
	}
	var v violations
	if len(r.GetSkus()) > maxLines {
		v.add("skus", fmt.Sprintf("at most %d", maxLines))
	}
	skus := map[commerce.SKU]bool{}
	for i, sku := range r.GetSkus() {
		skus[checkSKU(&v, fmt.Sprintf("skus[%d]", i), sku)] = true
	}
	if err := v.err(); err != nil {
		return err
	}
	p := principal(ctx)
	var msgs []*pb.InventoryEventMessage
	return s.g.follow(ctx, r.GetFromSeq(), func(res *sequencer.Result) error {
		msgs = msgs[:0]
		for i := range res.Commerce {
			e := &res.Commerce[i]
			if !inventoryEvent(e) || (len(skus) > 0 && !skus[e.SKU]) {
				continue
			}
			msgs = append(msgs, &pb.InventoryEventMessage{Seq: res.Seq, TimeUnixNano: res.Time, Event: inventoryEventToPB(p, e)})
		}
		return sendSeq(msgs, func(m *pb.InventoryEventMessage, i uint32, last bool) { m.SeqIndex, m.SeqLast = i, last }, ss.Send)
	})
}

// marketDataToPB keeps only what is public: no accounts, order ids or
// client ids.
func marketDataToPB(e *book.Event) *pb.TradeEvent {
	out := &pb.TradeEvent{Kind: e.Kind.String(), Symbol: e.Order.Symbol, LastQty: int64(e.LastQty), LastPx: int64(e.LastPx),
		Count: int64(e.Count), Side: pb.Side(e.Side)}
	switch e.Kind {
	case book.EvTrade:
		out.TradeId = e.TradeID
		out.Side = pb.Side(e.Order.Side) // the aggressor's side
	case book.EvInstrument:
		if e.Instrument != nil {
			out.Symbol = e.Instrument.Symbol
			out.Instrument = instrumentToPB(e.Instrument)
		}
	}
	return out
}

// SubscribeMarketData is open to every authenticated caller.
func (s *streamServer) SubscribeMarketData(r *pb.SubscribeMarketDataRequest, ss pb.StreamService_SubscribeMarketDataServer) error {
	ctx := ss.Context()
	var v violations
	checkID(&v, "symbol", r.GetSymbol(), false)
	if err := v.err(); err != nil {
		return err
	}
	var msgs []*pb.MarketDataMessage
	return s.g.follow(ctx, r.GetFromSeq(), func(res *sequencer.Result) error {
		msgs = msgs[:0]
		for i := range res.Trade {
			e := &res.Trade[i]
			var sym string
			switch e.Kind {
			case book.EvTrade, book.EvLevel, book.EvInstrument:
				sym = e.Order.Symbol
			default:
				continue
			}
			if r.GetSymbol() != "" && sym != r.GetSymbol() {
				continue
			}
			msgs = append(msgs, &pb.MarketDataMessage{Seq: res.Seq, TimeUnixNano: res.Time, Event: marketDataToPB(e)})
		}
		return sendSeq(msgs, func(m *pb.MarketDataMessage, i uint32, last bool) { m.SeqIndex, m.SeqLast = i, last }, ss.Send)
	})
}
