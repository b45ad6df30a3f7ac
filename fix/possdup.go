package fix

import (
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
