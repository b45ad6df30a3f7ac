package fix

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/ordercore/oms/engine/book"
	"github.com/ordercore/oms/sequencer"
	"github.com/quickfixgo/quickfix"
	"github.com/quickfixgo/tag"
)

// publishLoop turns every result into reports until Close. A subscription
// cut off as a slow consumer resumes where it stopped (the sequencer keeps
// recent results, or rebuilds them from the journal); if even that is
// impossible, the gap is logged and the loop goes on from the next command.
// Reports a store refused are retried every CheckpointInterval, and before
// each result's, until stored (see unsent).
func (g *Gateway) publishLoop(sub *sequencer.Subscription) {
	defer func() { sub.Close() }()
	tick := time.NewTicker(g.cfg.CheckpointInterval)
	defer tick.Stop()
	for {
		var retry <-chan time.Time
		if g.unsent.n > 0 {
			retry = tick.C
		}
		select {
		case <-g.quit:
			return
		case <-retry:
			g.retryUnsent()
		case res, ok := <-sub.C:
			if ok {
				if g.crashHook != nil && g.crashHook(res) {
					g.crashed.Store(true)
					return // the process "dies" before handing res to QuickFIX
				}
				g.retryUnsent()
				g.handle(res)
				g.published.Store(res.Seq)
				continue
			}
			err := sub.Err()
			if err == nil || errors.Is(err, sequencer.ErrClosed) {
				g.log.Info("fix: subscription ended", "err", err)
				return
			}
			if sub = g.resubscribe(err); sub == nil {
				return
			}
		}
	}
}

// resubscribe resumes after the last published seq.
func (g *Gateway) resubscribe(cause error) *sequencer.Subscription {
	from := g.published.Load() + 1
	g.log.Warn("fix: subscription cut off; resuming", "cause", cause, "from_seq", from)
	sub, err := g.seq.Subscribe(from, g.cfg.SubscribeBuffer)
	if errors.Is(err, sequencer.ErrTooOld) {
		g.log.Error("fix: reports lost: results no longer held by the sequencer", "from_seq", from, "err", err)
		sub, err = g.seq.Subscribe(0, g.cfg.SubscribeBuffer)
	}
	if err != nil {
		g.log.Error("fix: resubscribe failed; reports stop", "err", err)
		return nil
	}
	return sub
}

// batch is what writing the reports of one result needs.
type batch struct {
	seq uint64
	t   time.Time
	// resend marks reports regenerated after a restart, which may have been
	// sent before it (PossResend=Y).
	resend bool
	// settled collects the requests the result answered.
	settled []reqKey
	// massClOrdID is the ClOrdID of the mass cancel the result reports, if
	// any: the ClOrdID of each cancelled order's report (see massIDs).
	massClOrdID string
	// cancelOnDisconnect marks the mass cancel as the gateway's cancel on
	// disconnect: its cancels' Text is cancelOnDisconnectText.
	cancelOnDisconnect bool
}

// massCancelOf returns the mass cancel event among evs, or nil. The engine
// emits EvMassCanceled after the cancels, so it is found first.
func massCancelOf(evs []book.Event) *book.Event {
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].Kind == book.EvMassCanceled {
			return &evs[i]
		}
	}
	return nil
}

// Text of the cancels of a cancel on disconnect (and on shutdown). The
// engine's reason is mass_cancel, as for any mass cancel; the reports say
// what happened, so that a desk tells them from those of its own
// OrderMassCancelRequest without parsing ClOrdIDs.
const cancelOnDisconnectText = "cancel_on_disconnect"

// codPrefix starts the ClOrdIDs the gateway makes for its cancels on
// disconnect (localIDs: "COD-<start>-<n>").
const codPrefix = "COD"

// isCancelOnDisconnect reports whether the mass cancel mc is one of the
// gateway's cancels on disconnect: the pending request says so while it is
// in flight; a report regenerated after a restart, whose request is
// forgotten, is told by the gateway-made ClOrdID. A FIX or gRPC mass cancel
// in flight is never one, whatever its ClOrdID.
func (g *Gateway) isCancelOnDisconnect(mc *book.Event) bool {
	if p, ok := g.router.request(reqKey{mc.Order.Account, mc.Order.ClOrdID}); ok {
		return p.kind == reqCancelOnDisconnect
	}
	return strings.HasPrefix(mc.Order.ClOrdID, codPrefix+"-")
}

// massIDs returns the state a mass-cancelled order is reported with: as
// for a cancel, ClOrdID is the request's (the mass cancel's, when it has
// one) and OrigClOrdID the order's, so a desk can tie the report both to
// its order and to its OrderMassCancelRequest (or to the gateway's cancel
// on disconnect). The engine's event keeps the order's own ids: the mass
// cancel's ClOrdID is not claimed by each order.
func massIDs(st book.OrderState, massClOrdID string) book.OrderState {
	st.OrigClOrdID = st.ClOrdID
	if massClOrdID != "" {
		st.ClOrdID = massClOrdID
	}
	return st
}

// sendReport hands a report of b to s's QuickFIX queue, marked
// PossResend=Y when b is regenerated after a restart.
func (g *Gateway) sendReport(b *batch, s *session, m *quickfix.Message) {
	if b.resend {
		m.Header.SetBool(tag.PossResend, true)
	}
	g.deliver(b.seq, s, m)
}

// handle writes the reports of one result. Requests answered by the result
// are settled at its end, so that every event of the command (an order's
// acceptance, its fills, its cancel) reaches the requester.
func (g *Gateway) handle(res *sequencer.Result) {
	b := &batch{seq: res.Seq, t: time.Unix(0, res.Time), resend: res.Seq <= g.resumeUntil}
	if mc := massCancelOf(res.Trade); mc != nil {
		b.massClOrdID, b.cancelOnDisconnect = mc.Order.ClOrdID, g.isCancelOnDisconnect(mc)
	}
	for i := range res.Trade {
		ev := &res.Trade[i]
		switch ev.Kind {
		case book.EvAccepted:
			g.orderReport(ev, execNew, b)
		case book.EvTrade:
			g.tradeReports(ev, b)
		case book.EvCanceled:
			g.orderReport(ev, execCanceled, b)
		case book.EvExpired:
			g.orderReport(ev, execExpired, b)
		case book.EvReplaced:
			g.orderReport(ev, execReplaced, b)
		case book.EvTriggered:
			g.orderReport(ev, execTriggered, b)
		case book.EvRejected:
			g.rejected(ev, b)
		case book.EvCancelRejected:
			g.cancelRejected(ev, b)
		case book.EvMassCanceled:
			g.massCanceled(ev, b)
		case book.EvInstrument:
			if ev.Instrument != nil {
				g.insts.put(*ev.Instrument)
			}
		}
	}
	g.router.settle(b.settled)
}

// route finds the session for a report about st: the requester when the
// report answers a pending request, else the order's owner. It records a
// new order's owner.
func (g *Gateway) route(st *book.OrderState, b *batch) (*session, pendingReq, bool) {
	k := reqKey{st.Account, st.ClOrdID}
	if p, ok := g.router.request(k); ok {
		b.settled = append(b.settled, k)
		if p.kind == reqNew && st.ID != 0 && !st.Status.Terminal() {
			g.router.own(st.ID, p.s)
		} else {
			g.router.ownerOf(st) // forgets a terminal order
		}
		return p.s, p, true
	}
	return g.router.ownerOf(st), pendingReq{}, false
}

func (g *Gateway) orderReport(ev *book.Event, kind execKind, b *batch) {
	s, _, _ := g.route(&ev.Order, b)
	if s == nil {
		return
	}
	r := execReport{
		kind: kind, st: &ev.Order, inst: g.format(ev.Order.Symbol),
		execID: strconv.FormatUint(uint64(ev.ExecID), 10), orderID: orderIDString(ev.Order.ID), time: b.t,
	}
	if kind == execCanceled || kind == execExpired {
		r.text = ev.Reason.String()
	}
	if kind == execCanceled && ev.Reason == book.ReasonMassCancel {
		st := massIDs(ev.Order, b.massClOrdID)
		r.st = &st
		if b.cancelOnDisconnect {
			r.text = cancelOnDisconnectText
		}
	}
	g.sendReport(b, s, r.message(s.v))
}

// tradeReports sends a fill to the taker's session and one to the maker's.
func (g *Gateway) tradeReports(ev *book.Event, b *batch) {
	inst := g.format(ev.Order.Symbol)
	if s, _, _ := g.route(&ev.Order, b); s != nil {
		r := execReport{
			kind: execTrade, st: &ev.Order, inst: inst, execID: strconv.FormatUint(uint64(ev.ExecID), 10),
			orderID: orderIDString(ev.Order.ID), lastQty: ev.LastQty, lastPx: ev.LastPx, time: b.t,
		}
		g.sendReport(b, s, r.message(s.v))
	}
	if s := g.router.ownerOf(&ev.Maker); s != nil {
		r := execReport{
			kind: execTrade, st: &ev.Maker, inst: inst, execID: strconv.FormatUint(uint64(ev.MakerExecID), 10),
			orderID: orderIDString(ev.Maker.ID), lastQty: ev.LastQty, lastPx: ev.LastPx, time: b.t,
		}
		g.sendReport(b, s, r.message(s.v))
	}
}

// rejected reports a command the engine refused, in the message that
// answers the request: an ExecutionReport for a new order, an
// OrderMassCancelReport for a mass cancel, an OrderCancelReject otherwise.
func (g *Gateway) rejected(ev *book.Event, b *batch) {
	st := &ev.Order
	k := reqKey{st.Account, st.ClOrdID}
	p, ok := g.router.request(k)
	if ok {
		b.settled = append(b.settled, k)
	}
	switch {
	case ok && p.kind == reqMassCancel:
		r := massCancelReport{
			orderID: "MCR-" + strconv.FormatUint(b.seq, 10), clOrdID: st.ClOrdID, requestType: p.massType,
			response: massCancelRejected, rejectReason: massRejectReason(ev.Reason), symbol: st.Symbol,
			account: st.Account, text: ev.Reason.String(), time: b.t,
		}
		g.sendReport(b, p.s, r.message(p.s.v))
	case ok && (p.kind == reqCancel || p.kind == reqReplace):
		r := cancelReject{
			orderID: orderIDString(st.ID), clOrdID: st.ClOrdID, origClOrdID: st.OrigClOrdID, account: st.Account,
			status: book.StatusRejected, replace: p.kind == reqReplace, reason: cxlRejReason(p.s.v, ev.Reason),
			text: ev.Reason.String(), time: b.t,
		}
		g.sendReport(b, p.s, r.message())
	case ok && p.kind == reqCancelOnDisconnect:
		g.log.Error("fix: cancel on disconnect refused", "account", st.Account, "reason", ev.Reason.String())
	case ev.ExecID != 0: // a new order, from this gateway or another one
		s := p.s
		if !ok {
			s = g.router.ownerOf(st)
		}
		if s == nil {
			return
		}
		r := execReport{
			kind: execRejected, st: st, inst: g.format(st.Symbol), execID: strconv.FormatUint(uint64(ev.ExecID), 10),
			orderID: "NONE", rejReason: ordRejReason(s.v, ev.Reason), hasRej: true, text: ev.Reason.String(), time: b.t,
		}
		g.sendReport(b, s, r.message(s.v))
	}
}

func massRejectReason(r book.Reason) int {
	switch r {
	case book.ReasonUnknownInstrument:
		return massRejInvalidSymbol
	case book.ReasonInvalidCommand:
		return massRejNotSupported
	}
	return massRejOther
}

func (g *Gateway) cancelRejected(ev *book.Event, b *batch) {
	st := &ev.Order
	k := reqKey{st.Account, st.ClOrdID}
	p, ok := g.router.request(k)
	if !ok {
		return // a cancel from another gateway: not ours to answer
	}
	b.settled = append(b.settled, k)
	r := cancelReject{
		orderID: orderIDString(st.ID), clOrdID: st.ClOrdID, origClOrdID: st.OrigClOrdID, account: st.Account,
		status: st.Status, replace: ev.Replace, reason: cxlRejReason(p.s.v, ev.Reason),
		text: ev.Reason.String(), time: b.t,
	}
	g.sendReport(b, p.s, r.message())
}

func (g *Gateway) massCanceled(ev *book.Event, b *batch) {
	st := &ev.Order
	k := reqKey{st.Account, st.ClOrdID}
	p, ok := g.router.request(k)
	if !ok {
		return
	}
	b.settled = append(b.settled, k)
	if p.kind != reqMassCancel {
		return // cancel on disconnect: the cancelled orders' reports suffice
	}
	// The values a re-send's answer is rebuilt from (acceptedMassReport):
	// the engine remembers them.
	r := massCancelReport{
		orderID: massOrderID(ev.MassCancel), clOrdID: st.ClOrdID, requestType: p.massType,
		response: p.massType, affected: ev.Count, symbol: st.Symbol, account: st.Account, time: b.t,
	}
	if m := r.message(p.s.v); m != nil { // none on FIX 4.2: the cancels' reports answer
		g.sendReport(b, p.s, m)
	}
}
