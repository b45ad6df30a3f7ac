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
//
// NB: so does it on the events of a command with the same account and
// ClOrdID from another gateway, which the router cannot tell apart: one
// applied while a request is pending under its key is routed as that
// request's answer (see the Limit under "Re-sent requests" in doc.go).
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
// INVARIANT: pending holds at most one request per key: a request is
// claimed before it is submitted, and a second one with the same account
// and ClOrdID waits until the first is settled or forgotten (see claim), so
// the reports answering one never reach the sender of the other.
//
// INVARIANT: owner holds only live orders; the entry is removed when a
// report shows the order in a terminal status.
type router struct {
	byAccount map[string]*session // immutable after New

	mu      sync.Mutex
	pending map[reqKey]inflight
	owner   map[book.OrderID]*session
}

// inflight is a pending request and, once another request with its key
// waits for it, the channel closed when it is settled or forgotten.
type inflight struct {
	p    pendingReq
	done chan struct{}
}

func newRouter(byAccount map[string]*session) *router {
	return &router{
		byAccount: byAccount,
		pending:   make(map[reqKey]inflight),
		owner:     make(map[book.OrderID]*session),
	}
}

// claim registers p as the request in flight under k and returns nil,
// unless another request is in flight under k: then it registers nothing
// and returns a channel that is closed when that request is settled or
// forgotten, after which the caller claims again.
func (r *router) claim(k reqKey, p pendingReq) <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	if f, ok := r.pending[k]; ok {
		if f.done == nil {
			f.done = make(chan struct{})
			r.pending[k] = f
		}
		return f.done
	}
	r.pending[k] = inflight{p: p}
	return nil
}

// forget drops a claimed request that did not reach the engine (or was
// answered without it).
func (r *router) forget(k reqKey) {
	r.mu.Lock()
	r.drop(k)
	r.mu.Unlock()
}

// drop removes k and wakes its waiters. REQUIRES: r.mu held.
func (r *router) drop(k reqKey) {
	if f, ok := r.pending[k]; ok {
		delete(r.pending, k)
		if f.done != nil {
			close(f.done)
		}
	}
}

// request returns the pending request k, if any.
func (r *router) request(k reqKey) (pendingReq, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f, ok := r.pending[k]
	return f.p, ok
}

// waiting reports whether a request waits for the one in flight under k
// (tests).
func (r *router) waiting(k reqKey) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.pending[k].done != nil
}

// settle drops the requests answered by one result.
func (r *router) settle(keys []reqKey) {
	if len(keys) == 0 {
		return
	}
	r.mu.Lock()
	for _, k := range keys {
		r.drop(k)
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
