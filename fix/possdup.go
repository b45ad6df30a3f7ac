package fix

import (
	"context"
	"strconv"
	"time"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/engine/book"
	"github.com/quickfixgo/quickfix"
	"github.com/quickfixgo/tag"
)

// possDup reports whether a request is flagged as a possible duplicate:
// PossDupFlag (43) = Y (the desk's engine re-sent it, under a new MsgSeqNum:
// QuickFIX drops one that reuses an old number) or PossResend (97) = Y (the
// desk's application re-sent it).
func possDup(m *quickfix.Message) bool {
	for _, t := range [...]quickfix.Tag{tag.PossDupFlag, tag.PossResend} {
		if y, err := m.Header.GetBool(t); err == nil && y {
			return true
		}
	}
	return false
}

// answerPossDup applies the FIX rule for a re-sent request: a
// NewOrderSingle, OrderCancelRequest or OrderCancelReplaceRequest flagged
// PossDupFlag or PossResend whose ClOrdID the engine has already taken for
// account is not processed again, and not rejected either (a
// duplicate_clordid reject under the live order's ClOrdID would make the
// desk mark a live or filled order Rejected): it is answered with the
// order's current status, the ExecutionReport an OrderStatusRequest gets.
// It reports whether it answered; when it did not, the request goes on as
// new (a re-send of a request never taken is processed as the first one
// would have been).
//
// The ClOrdIDs the engine knows are those of every order, cancel and
// replace it took since the last end of day; one it refused is not taken,
// so its re-send is processed again, and refused again if nothing changed.
//
// REQUIRES: the request's key is claimed (see submitRequest). So a request
// of this gateway with the same account and ClOrdID, from any session, was
// applied and reported before the look-up, and none can be applied between
// the look-up and the submit that follows it: the answer does not depend
// on timing.
//
// NB: a command with the same account and ClOrdID submitted by another
// gateway (gRPC) between the look-up and the submit still makes the
// re-send a plain duplicate: the router cannot tell the reports of that
// command from those of this request (see the Limit under "Re-sent
// requests" in doc.go).
func (g *Gateway) answerPossDup(s *session, account, clOrdID string) (bool, quickfix.MessageRejectError) {
	st, found, err := g.findOrder([]string{account}, 0, clOrdID)
	if err != nil {
		// Neither a reject nor a new submit would be true; the desk retries.
		return true, quickfix.NewBusinessMessageRejectErrorWithRefID("status unavailable, retry: "+err.Error(), bizRejOther, clOrdID, nil)
	}
	if !found {
		return false, nil
	}
	g.send(s, g.statusReport(s, &st))
	return true, nil
}

// answerMassResend applies the re-send rule to an OrderMassCancelRequest
// flagged PossDupFlag or PossResend: one the engine accepted for account
// under the same ClOrdID is not processed again (it would cancel the
// orders entered since), and it is answered with what answered it: on FIX
// 4.4 its OrderMassCancelReport (r) again, identical (OrderID, affected
// count, symbol, time), marked PossResend=Y; on FIX 4.2, where the
// cancelled orders' ExecutionReports were the answer and were sent,
// nothing new. It reports whether it answered; a re-send of one the engine
// does not remember (never accepted: refused, or never received; or
// forgotten, see book.MaxMassCancelIDs) is processed as new.
//
// The engine remembers the mass cancel (book.Engine.MassCancel), in its
// snapshot and journal, so the answer is the same after a restart of the
// gateway or of the core, and whichever gateway or session sent the
// original. If the look-up fails, the request gets a
// BusinessMessageReject "status unavailable, retry", as in answerPossDup.
//
// REQUIRES: the request's key is claimed, so the original, if in flight
// from this gateway, is applied first.
func (g *Gateway) answerMassResend(s *session, account, clOrdID string) (bool, quickfix.MessageRejectError) {
	var mc book.MassCancelState
	var found bool
	ctx, cancel := context.WithTimeout(context.Background(), g.cfg.SubmitTimeout)
	defer cancel()
	err := g.seq.Query(ctx, func(e *engine.Engine) { mc, found = e.Book().MassCancel(account, clOrdID) })
	if err != nil {
		return true, quickfix.NewBusinessMessageRejectErrorWithRefID("status unavailable, retry: "+err.Error(), bizRejOther, clOrdID, nil)
	}
	if !found {
		return false, nil
	}
	r := acceptedMassReport(&mc)
	m := r.message(s.v)
	if m == nil {
		g.log.Info("fix: re-sent mass cancel already processed; its cancels were reported", "session", s.id.String(),
			"account", account, "clordid", clOrdID)
		return true, nil
	}
	m.Header.SetBool(tag.PossResend, true)
	g.send(s, m)
	return true, nil
}

// acceptedMassReport is the OrderMassCancelReport of an accepted mass
// cancel, from what the engine remembers of it: the report first sent
// (massCanceled) is built from the same values.
func acceptedMassReport(mc *book.MassCancelState) massCancelReport {
	typ := byte(massCancelAll)
	if mc.Symbol != "" {
		typ = massCancelBySymbol
	}
	return massCancelReport{
		orderID: massOrderID(book.MassCancelID(mc.ID)), clOrdID: mc.ClOrdID, requestType: typ, response: typ,
		affected: mc.Count, symbol: mc.Symbol, account: mc.Account, time: time.Unix(0, mc.Time),
	}
}

// massOrderID is the OrderID (37) of an accepted mass cancel's report: the
// engine's id of the mass cancel, so that a re-send's answer carries it.
func massOrderID(id book.MassCancelID) string { return "MC-" + strconv.FormatUint(uint64(id), 10) }
