package fix

import (
	"sync"

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
// command from those of this request.
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

// maxMassAnswers bounds the mass cancels a gateway remembers for their
// re-sends; the oldest is forgotten first.
const maxMassAnswers = 1 << 14

// massAnswers remembers the mass cancels the engine accepted for a request
// of this gateway, by account and ClOrdID, with their report: the engine
// does not keep a mass cancel's ClOrdID (no order takes it), so this is
// how a re-sent OrderMassCancelRequest is recognised. It is safe for
// concurrent use: the publisher records, sessions look up.
//
// NB: it lives in memory: after a restart, or once maxMassAnswers later
// mass cancels have pushed it out, a re-send is processed again.
type massAnswers struct {
	mu   sync.Mutex
	m    map[reqKey]massCancelReport
	keys []reqKey // ring, in the order recorded
	next int
}

// record remembers the report r of an accepted mass cancel k.
func (a *massAnswers) record(k reqKey, r massCancelReport) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.m == nil {
		a.m = make(map[reqKey]massCancelReport)
	}
	if _, ok := a.m[k]; !ok {
		if len(a.keys) < maxMassAnswers {
			a.keys = append(a.keys, k)
		} else {
			delete(a.m, a.keys[a.next])
			a.keys[a.next] = k
			a.next = (a.next + 1) % maxMassAnswers
		}
	}
	a.m[k] = r
}

// lookup returns the report of the accepted mass cancel k, if remembered.
func (a *massAnswers) lookup(k reqKey) (massCancelReport, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	r, ok := a.m[k]
	return r, ok
}

// answerMassResend applies the re-send rule to an OrderMassCancelRequest
// flagged PossDupFlag or PossResend: one the engine accepted for account
// under the same ClOrdID is not processed again (it would cancel the
// orders entered since), and it is answered with what answered it: on FIX
// 4.4 its OrderMassCancelReport (r) again, identical (OrderID, affected
// count, time), marked PossResend=Y; on FIX 4.2, where the cancelled
// orders' ExecutionReports were the answer and were sent, nothing new. It
// reports whether it answered; a re-send of one not remembered (never
// accepted: refused, or never received) is processed as new. REQUIRES:
// the request's key is claimed, so the original, if in flight, is
// recorded first.
func (g *Gateway) answerMassResend(s *session, account, clOrdID string) bool {
	r, ok := g.masses.lookup(reqKey{account, clOrdID})
	if !ok {
		return false
	}
	m := r.message(s.v)
	if m == nil {
		g.log.Info("fix: re-sent mass cancel already processed; its cancels were reported", "session", s.id.String(),
			"account", account, "clordid", clOrdID)
		return true
	}
	m.Header.SetBool(tag.PossResend, true)
	g.send(s, m)
	return true
}
