package fix

import (
	"github.com/quickfixgo/quickfix"
)

// maxUnsent bounds the reports kept for a retry after their store refused
// them (a disk error). Beyond it they are let go, and the checkpoint hold
// they set stays until a restart, which regenerates them.
const maxUnsent = 1 << 16

// unsentReport is a report QuickFIX could not store, so never sent, or one
// queued behind such a report for the same session.
type unsentReport struct {
	seq uint64
	m   *quickfix.Message
}

// unsent holds the reports waiting for their session's store to work
// again. Owned by the publish loop.
//
// The checkpoint hold is its reason: while a report waits, g.unstored is
// the lowest seq waiting and the checkpoint stays before it, so that a
// crash or a restart regenerates it. Once every waiting report is stored
// (and so sent, or kept for resend), the hold lifts (g.unstored = 0) and
// the checkpoint moves on with published.
//
// INVARIANT: for each session, the reports waiting are in seq order, and
// while any waits, every later report for that session waits behind it:
// a desk receives its reports in the order of the results, never a fill
// before the acceptance it follows.
type unsent struct {
	q map[*session][]unsentReport
	n int
	// pinned is set when more than maxUnsent reports waited: they were let
	// go, and the hold stays until a restart.
	pinned bool
}

// deliver hands a report of seq to s's store and queue, or, when s has
// reports waiting or its store refuses this one, keeps it to retry.
func (g *Gateway) deliver(seq uint64, s *session, m *quickfix.Message) {
	u := &g.unsent
	if len(u.q[s]) > 0 {
		g.keep(seq, s, m)
		return
	}
	err := g.send(s, m)
	if err == nil {
		return
	}
	if !u.pinned {
		g.log.Error("fix: a report was not stored; it is retried, and the checkpoint stays before its seq until it is stored",
			"session", s.id.String(), "seq", seq, "err", err)
	}
	g.keep(seq, s, m)
}

// keep queues a report to retry and holds the checkpoint before the lowest
// seq waiting.
func (g *Gateway) keep(seq uint64, s *session, m *quickfix.Message) {
	u := &g.unsent
	if u.pinned {
		return // the hold stays before an earlier seq; a restart regenerates this one
	}
	if u.n >= maxUnsent {
		g.log.Error("fix: too many reports not stored; they are no longer retried, and the checkpoint stays before the first until a restart regenerates them",
			"waiting", u.n, "first_seq", g.unstored.Load())
		u.q, u.n, u.pinned = nil, 0, true
		return
	}
	if u.q == nil {
		u.q = make(map[*session][]unsentReport)
	}
	u.q[s] = append(u.q[s], unsentReport{seq, m})
	u.n++
	g.updateHold()
}

// retryUnsent hands the waiting reports to their stores again, in order,
// each session's until one is refused, and lifts the hold as far as they
// went. Each attempt that fails is not logged again (deliver logged the
// first).
func (g *Gateway) retryUnsent() {
	u := &g.unsent
	if u.n == 0 {
		return
	}
	for s, q := range u.q {
		i := 0
		for i < len(q) && quickfix.SendToTarget(q[i].m, s.id) == nil {
			q[i] = unsentReport{}
			i++
		}
		u.n -= i
		if i == len(q) {
			delete(u.q, s)
			g.log.Info("fix: reports stored after a store error", "session", s.id.String(), "reports", i)
		} else {
			u.q[s] = q[i:]
		}
	}
	g.updateHold()
}

// updateHold sets g.unstored to the lowest seq waiting, or 0 (no hold).
func (g *Gateway) updateHold() {
	var low uint64
	for _, q := range g.unsent.q {
		if seq := q[0].seq; low == 0 || seq < low {
			low = seq
		}
	}
	g.unstored.Store(low)
}
