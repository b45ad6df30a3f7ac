package book

import "strings"

// MaxMassCancelIDs bounds the mass cancels an account's memory holds (see
// massLog): the account's last MaxMassCancelIDs accepted mass cancels with
// a client order id, since the last end of day. A desk's kill switch or
// per-symbol cancel-all is a handful of requests a day; an algorithm that
// cancels all its orders every few seconds of a trading day still stays
// below it. At the bound the oldest is forgotten (its ClOrdID may be used
// again, and a re-send of it is processed again): a mass cancel is never
// refused for the memory's sake, as refusing a kill switch is the worse
// failure. Worst case, an account's memory is MaxMassCancelIDs entries of
// at most 2*MaxIDLen bytes of ids (some 0.6 MiB), in the snapshot too.
const MaxMassCancelIDs = 4096

// MassCancelID numbers the mass cancels the engine accepted, from 1, in
// the order applied. It is the id of the mass cancel's report (FIX
// OrderID, 37, of the OrderMassCancelReport), and a numbering of its own:
// not an order id.
type MassCancelID uint64

// MassCancelState is what the engine remembers of an accepted mass cancel:
// enough to answer a re-send of it with the original report.
type MassCancelState struct {
	ID      MassCancelID
	Account string
	Symbol  string // empty: every instrument
	ClOrdID string
	Count   int   // orders cancelled
	Time    int64 // the engine's time when it was applied
}

// massRecord is one remembered mass cancel.
type massRecord struct {
	id      MassCancelID
	clOrdID string
	symbol  string
	count   int
	time    int64
}

// massLog is an account's memory of its accepted mass cancels by client
// order id, so that a mass cancel re-sent under the same ClOrdID is refused
// (duplicate_clordid) rather than cancelling the orders entered since, and
// a gateway can answer the re-send with the original outcome
// (Engine.MassCancel). It is separate from the day's client order id index
// (clIndex): order entry never touches it, and a mass cancel's ClOrdID
// names no order, so the two namespaces are apart.
//
// INVARIANT: byID maps exactly the clOrdIDs of recs to their index in recs;
// len(recs) <= MaxMassCancelIDs; once full, recs is a ring whose oldest
// entry is recs[head] (head is 0 until then).
type massLog struct {
	recs []massRecord
	head int
	byID map[string]int
}

// get returns the remembered mass cancel with ClOrdID id.
func (l *massLog) get(id string) (*massRecord, bool) {
	if l == nil {
		return nil, false
	}
	i, ok := l.byID[id]
	if !ok {
		return nil, false
	}
	return &l.recs[i], true
}

// add remembers r, forgetting the oldest entry when full. REQUIRES:
// r.clOrdID is not remembered.
func (l *massLog) add(r massRecord) {
	if l.byID == nil {
		l.byID = make(map[string]int)
	}
	if len(l.recs) < MaxMassCancelIDs {
		l.byID[r.clOrdID] = len(l.recs)
		l.recs = append(l.recs, r)
		return
	}
	delete(l.byID, l.recs[l.head].clOrdID)
	l.recs[l.head] = r
	l.byID[r.clOrdID] = l.head
	l.head = (l.head + 1) % MaxMassCancelIDs
}

// each calls f for every remembered mass cancel, oldest first.
func (l *massLog) each(f func(*massRecord)) {
	if l == nil {
		return
	}
	for i := range l.recs {
		f(&l.recs[(l.head+i)%len(l.recs)])
	}
}

func (l *massLog) len() int {
	if l == nil {
		return 0
	}
	return len(l.recs)
}

// check verifies the INVARIANT of massLog.
func (l *massLog) check() bool {
	if l == nil {
		return true
	}
	if len(l.recs) > MaxMassCancelIDs || len(l.byID) != len(l.recs) ||
		(l.head != 0 && len(l.recs) != MaxMassCancelIDs) || l.head < 0 || l.head >= max(len(l.recs), 1) {
		return false
	}
	for i := range l.recs {
		if j, ok := l.byID[l.recs[i].clOrdID]; !ok || j != i {
			return false
		}
	}
	return true
}

// rememberMass records an accepted mass cancel of account a, when it has a
// client order id the memory can hold (a valid one: at most MaxIDLen
// bytes). A mass cancel of every account, or without a ClOrdID, is not
// remembered: no re-send of it can be recognised.
func (e *Engine) rememberMass(a *account, in *instrument, clOrdID string, id MassCancelID, count int) {
	if a == nil || !validClOrdID(clOrdID) {
		return
	}
	if a.masses == nil {
		a.masses = &massLog{}
	}
	r := massRecord{id: id, clOrdID: strings.Clone(clOrdID), count: count, time: e.now}
	if in != nil {
		r.symbol = in.spec.Symbol
	}
	a.masses.add(r)
}

// MassCancel returns what the engine remembers of the account's accepted
// mass cancel with ClOrdID clOrdID (see MaxMassCancelIDs for how long).
func (e *Engine) MassCancel(account, clOrdID string) (MassCancelState, bool) {
	a := e.accounts[account]
	if a == nil {
		return MassCancelState{}, false
	}
	r, ok := a.masses.get(clOrdID)
	if !ok {
		return MassCancelState{}, false
	}
	return MassCancelState{ID: r.id, Account: a.spec.ID, Symbol: r.symbol, ClOrdID: r.clOrdID, Count: r.count, Time: r.time}, true
}
