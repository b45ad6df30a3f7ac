package fix

import (
	"sync"

	"github.com/ordercore/oms/engine/book"
)

// reqKind is the kind of a request a session has in flight.
type reqKind uint8

const (
	reqNew reqKind = iota + 1
	reqCancel
	reqReplace
	reqMassCancel
	reqCancelOnDisconnect // internal: no report of its own
)

// reqKey identifies a request by the account and the ClOrdID it carries;
// the engine echoes both on the events that answer it.
type reqKey struct {
	account string
	clOrdID string
}

type pendingReq struct {
	s    *session
	kind reqKind
	// massType is the MassCancelRequestType of a mass cancel.
	massType byte
}

// router decides which session receives each report. It is safe for
// concurrent use: sessions register requests, the publisher routes.
//
// A report about a request goes to the session that sent the request
// (pending). Any other report about an order goes to the session that
// entered it (owner), and when that is unknown — an order entered over gRPC
// or by another gateway (a drop copy), or before a restart — to the first
// session, in SessionID order, whose Accounts list the order's account
// (byAccount). A report with no session is dropped.
//
// INVARIANT: owner holds only live orders; the entry is removed when a
// report shows the order in a terminal status.
type router struct {
	byAccount map[string]*session // immutable after New

	mu      sync.Mutex
	pending map[reqKey]pendingReq
	owner   map[book.OrderID]*session
}

func newRouter(byAccount map[string]*session) *router {
	return &router{
		byAccount: byAccount,
		pending:   make(map[reqKey]pendingReq),
		owner:     make(map[book.OrderID]*session),
	}
}

// expect registers a request about to be submitted.
func (r *router) expect(k reqKey, p pendingReq) {
	r.mu.Lock()
	r.pending[k] = p
	r.mu.Unlock()
}

// forget drops a request that never reached the engine.
func (r *router) forget(k reqKey) {
	r.mu.Lock()
	delete(r.pending, k)
	r.mu.Unlock()
}

// request returns the pending request k, if any.
func (r *router) request(k reqKey) (pendingReq, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p, ok := r.pending[k]
	return p, ok
}

// settle drops the requests answered by one result.
func (r *router) settle(keys []reqKey) {
	if len(keys) == 0 {
		return
	}
	r.mu.Lock()
	for _, k := range keys {
		delete(r.pending, k)
	}
	r.mu.Unlock()
}

// own records that s entered order id.
func (r *router) own(id book.OrderID, s *session) {
	r.mu.Lock()
	r.owner[id] = s
	r.mu.Unlock()
}

// ownerOf returns the session that receives reports about order st that
// no pending request claims, and forgets the order once it is terminal.
func (r *router) ownerOf(st *book.OrderState) *session {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.owner[st.ID]
	if st.Status.Terminal() {
		delete(r.owner, st.ID)
	}
	if s == nil {
		s = r.byAccount[st.Account]
	}
	return s
}

// live reports how many orders have a known owner (tests, metrics).
func (r *router) live() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.owner)
}
