package fix

import (
	"testing"

	"github.com/ordercore/oms/engine/book"
	"github.com/stretchr/testify/require"
)

// The cancels of a cancel on disconnect are told from other mass cancels by
// the pending request while it is in flight, and by the gateway-made
// ClOrdID once the request is forgotten (reports regenerated after a
// restart).
func TestIsCancelOnDisconnect(t *testing.T) {
	g := &Gateway{router: newRouter(nil)}
	mc := func(acct, id string) *book.Event {
		return &book.Event{Kind: book.EvMassCanceled, Order: book.OrderState{Account: acct, ClOrdID: id}}
	}
	require.Nil(t, g.router.claim(reqKey{"A", "COD-x-1"}, pendingReq{kind: reqCancelOnDisconnect}))
	require.Nil(t, g.router.claim(reqKey{"A", "COD-desk"}, pendingReq{kind: reqMassCancel})) // a desk's q
	require.Nil(t, g.router.claim(reqKey{"A", "mc1"}, pendingReq{kind: reqMassCancel}))
	require.True(t, g.isCancelOnDisconnect(mc("A", "COD-x-1")))
	require.False(t, g.isCancelOnDisconnect(mc("A", "COD-desk")))
	require.False(t, g.isCancelOnDisconnect(mc("A", "mc1")))
	require.True(t, g.isCancelOnDisconnect(mc("A", "COD-y-7")), "regenerated: no pending request")
	require.False(t, g.isCancelOnDisconnect(mc("A", "other")))
}
