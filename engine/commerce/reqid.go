package commerce

// Request ids: the idempotency key of the commands that are not
// idempotent by themselves.
//
// Integrations (a WMS, an ERP, a 3PL) retry a call that timed out, and the
// call may have been carried out: a second AdjustStock takes the delta
// twice, a second ConfirmShipment books a second shipment and takes the
// stock again, a second partial Cancel cancels another unit. PlaceOrder
// has its channel order id; the other commands that add a quantity to
// what was done (keyed) take an optional Command.RequestID: the stock,
// shipment, return and reservation commands, Cancel, ReadyForPickup (which
// also recognises a re-send without one, readyResent) and PickedUp. The
// others need none, a retry of them being refused or changing nothing:
// SetStock (its version: stale_version), SetSafetyStock, SetLocation,
// SetRules, SetCustomer, SetRetention and SetPayment (they set a value:
// the same value again; a SetPayment repeats its payment event),
// Deliver (already_delivered), ReleaseHold (not_on_hold), Release
// (nothing_to_release, or it releases what was allocated since, as any
// release would) and ReleaseReservation (its reservation is no longer
// active). A key works the same for every keyed kind:
//
//   - Scope: a key is (Caller, Kind, RequestID). Caller is who sent it (the
//     gateway's principal name, journaled in the command), so two
//     integrations using the same ids do not collide; Kind, so that an
//     integration may use one business document number (an ASN, a
//     receipt, a parcel) as the request id of the different calls it
//     makes about it.
//   - A command whose key the engine holds is a retry. If it asks for the
//     same thing (requestHash: the canonical encoding of the fields its
//     kind reads, as journaled) it is answered with the first result's
//     events, replayed verbatim and marked Duplicate, and changes nothing,
//     not even what time alone would do (the capacity-day retry a Reserve
//     runs first happens on the next command that runs it). If it asks for
//     something else it is rejected with ReasonRequestIDConflict on the
//     field request_id: a caller reusing a key is a bug, and answering it
//     with another command's result would hide it.
//   - Only a command carried out is recorded. A rejected one changed
//     nothing, so its retry is a new command, checked again (it may succeed
//     now: the shipment's units have been released since).
//   - Without a request id nothing changes: every command is new (but see
//     shipResent for a ConfirmShipment re-sent without one).
//   - Keys are kept for the retention's DedupWindow (retention.go: 30 days
//     by default, the window in which a PlaceOrder re-submit is recognised
//     too) from the first command's time, and forgotten by Tick in the
//     order they were recorded, at most maxSweepPerTick a tick: in command
//     time, so a replay forgets them at the same commands. A key is
//     answered until it is forgotten, so for at least the window. A record
//     holds its key and the first result's events in their compact encoding
//     (encodeEvent): some tens of bytes per event.
//   - The records are part of the snapshot (and so of the digest), in
//     recording order.
//
// A request id is at most MaxRequestID bytes. Other kinds ignore the field
// (it is not journaled for them).

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ordercore/oms/engine/wire"
)

// MaxRequestID bounds a request id, in bytes (the gateways refuse longer
// ones too).
const MaxRequestID = 64

// keyed reports whether commands of kind k read RequestID.
func keyed(k CmdKind) bool { return keyedAt(k, CodecVersion) }

// keyedAt reports whether commands of kind k carried a request id in
// command encoding version v: the stock, shipment, return and reservation
// commands from version 3, Cancel, ReadyForPickup and PickedUp from 4.
func keyedAt(k CmdKind, v byte) bool {
	switch k {
	case CmdAdjustStock, CmdAddInbound, CmdReceive, CmdReserve, CmdShip, CmdAuthoriseReturn, CmdReceiveReturn:
		return v >= CodecV3
	case CmdCancel, CmdReadyForPickup, CmdPickedUp:
		return v >= CodecV4
	}
	return false
}

// reqKey is a request id in its scope.
type reqKey struct {
	caller string
	id     string
	kind   CmdKind
}

// reqRecord is what the engine keeps of a command carried out under a
// request id.
type reqRecord struct {
	key    reqKey
	at     int64  // the command's time
	hash   uint64 // requestHash of the command
	events []byte // the result's events (encodeEvent), in order
}

// requests holds the request ids seen within the dedup window.
//
// INVARIANT: recs from head on are live, in recording order; byKey maps
// each live record's key to its index, and nothing else.
type requests struct {
	recs  chunked[reqRecord]
	head  int32
	byKey map[reqKey]int32
	w     wire.Writer // scratch for requestHash and recording
}

// len returns the number of keys held.
func (q *requests) len() int { return q.recs.len() - int(q.head) }

// applyKeyed applies c, a keyed command with a request id: a retry is
// answered from its record, a new command is applied and recorded.
func (e *Engine) applyKeyed(c *Command) {
	if len(c.RequestID) > MaxRequestID {
		e.reject(c.Kind, ReasonRequestIDTooLong, "request_id", 0)
		return
	}
	k := reqKey{caller: c.Caller, id: c.RequestID, kind: c.Kind}
	h := e.requestHash(c)
	if ri, ok := e.reqs.byKey[k]; ok {
		rec := at(&e.reqs.recs, ri)
		if rec.hash != h {
			e.reject(c.Kind, ReasonRequestIDConflict, "request_id", 0)
			return
		}
		e.replayRequest(rec)
		return
	}
	start := len(e.out)
	e.dispatch(c)
	for i := start; i < len(e.out); i++ {
		if e.out[i].Kind == EvRejected {
			return
		}
	}
	e.recordRequest(reqKey{caller: strings.Clone(c.Caller), id: strings.Clone(c.RequestID), kind: c.Kind}, h, e.out[start:])
}

// requestHash fingerprints what c asks for: its kind and the fields the
// kind reads, in their journal encoding (encodeBody, which leaves out the
// request id and the caller). The fingerprints are kept in snapshots, so
// this definition is fixed: a later encoding of a kind must keep hashing
// what the version that made it keyed wrote for it.
func (e *Engine) requestHash(c *Command) uint64 {
	w := &e.reqs.w
	w.Reset()
	encodeBody(w, c)
	return bytesHash(w.Bytes())
}

// bytesHash is FNV-1a over b, mixed: deterministic and allocation-free.
func bytesHash(b []byte) uint64 {
	h := uint64(0xcbf29ce484222325)
	for _, x := range b {
		h = (h ^ uint64(x)) * 0x100000001b3
	}
	return mix(h, 0x9fb21c651e98df25)
}

// recordRequest keeps key k with fingerprint h and the events of its
// command's result.
func (e *Engine) recordRequest(k reqKey, h uint64, evs []Event) {
	w := &e.reqs.w
	w.Reset()
	for i := range evs {
		encodeEvent(w, &evs[i])
	}
	e.putRequest(reqRecord{key: k, at: e.now, hash: h, events: slices.Clone(w.Bytes())})
}

func (e *Engine) putRequest(rec reqRecord) {
	if e.reqs.byKey == nil {
		e.reqs.byKey = make(map[reqKey]int32)
	}
	e.reqs.byKey[rec.key] = e.reqs.recs.push(rec)
}

// replayRequest re-emits a record's events, marked Duplicate. They are
// not recorded in any order's history again.
func (e *Engine) replayRequest(rec *reqRecord) {
	r := wire.NewReader(rec.events)
	for r.Remaining() > 0 {
		var ev Event
		decodeEvent(r, &ev)
		if r.Err() != nil {
			panic("commerce: invariant broken: request record of " + rec.key.id + " does not decode: " + r.Err().Error())
		}
		ev.Duplicate = true
		e.out = append(e.out, ev)
	}
}

// sweepRequests forgets the request ids whose window has passed, oldest
// first, at most maxSweepPerTick.
func (e *Engine) sweepRequests(window int64) {
	q := &e.reqs
	for n := 0; n < maxSweepPerTick && int(q.head) < q.recs.len(); n++ {
		rec := at(&q.recs, q.head)
		if satAdd(rec.at, window) > e.now {
			break
		}
		delete(q.byKey, rec.key)
		q.recs.free(q.head)
		q.head++
	}
}

// snapRequests writes the live records in recording order.
func (e *Engine) snapRequests(w *wire.Writer) {
	q := &e.reqs
	w.Uvarint(uint64(q.len()))
	for ri := q.head; int(ri) < q.recs.len(); ri++ {
		rec := at(&q.recs, ri)
		w.String(rec.key.caller)
		w.Byte(byte(rec.key.kind))
		w.String(rec.key.id)
		w.Varint(rec.at)
		w.Uvarint(rec.hash)
		w.Raw(rec.events)
	}
}

// restoreRequests reads what snapRequests wrote.
func (e *Engine) restoreRequests(r *wire.Reader) {
	n := r.Count()
	for range n {
		var rec reqRecord
		rec.key.caller = r.Name()
		rec.key.kind = CmdKind(r.Byte())
		rec.key.id = r.String()
		rec.at = r.Varint()
		rec.hash = r.Uvarint()
		rec.events = slices.Clone(r.Raw())
		if r.Err() != nil {
			return
		}
		if !keyed(rec.key.kind) || rec.key.id == "" || len(rec.key.id) > MaxRequestID {
			corrupt(r, "request id %q of kind %d", rec.key.id, rec.key.kind)
			return
		}
		if _, dup := e.reqs.byKey[rec.key]; dup {
			corrupt(r, "request id %q of %s by %q repeated", rec.key.id, rec.key.kind, rec.key.caller)
			return
		}
		if err := checkEvents(rec.events); err != nil {
			corrupt(r, "request id %q: events: %v", rec.key.id, err)
			return
		}
		e.putRequest(rec)
	}
}

// checkEvents reports whether b holds whole encoded events.
func checkEvents(b []byte) error {
	r := wire.NewReader(b)
	for r.Remaining() > 0 && r.Err() == nil {
		var ev Event
		decodeEvent(r, &ev)
		if r.Err() == nil && (ev.Kind == 0 || ev.Kind >= eventKindCount) {
			return fmt.Errorf("event kind %d", ev.Kind)
		}
	}
	return r.Err()
}

// encodeEvent writes every field of ev but Duplicate and the definitions
// behind pointers (Location, Rules), which no keyed command's result has.
func encodeEvent(w *wire.Writer, ev *Event) {
	if checking && (ev.Location != nil || ev.Rules != nil) {
		panic("commerce: invariant broken: a keyed command's result has a " + ev.Kind.String() + " event with a definition")
	}
	for _, b := range [...]byte{byte(ev.Kind), byte(ev.Cmd), byte(ev.Reason), byte(ev.Channel), byte(ev.Adjust),
		byte(ev.Status), byte(ev.Hold), byte(ev.Payment), byte(ev.Condition)} {
		w.Byte(b)
	}
	w.Bool(ev.PickedUp)
	w.Uvarint(uint64(ev.Line))
	w.Uvarint(uint64(ev.Loc))
	w.Varint(int64(ev.Count))
	w.Uvarint(uint64(ev.Order))
	for _, s := range [...]string{ev.Field, ev.ChannelOrderID, ev.Customer, string(ev.SKU), ev.Currency, ev.Tracking} {
		w.String(s)
	}
	s := &ev.Stock
	for _, v := range [...]int64{int64(ev.Qty), int64(ev.Amount), ev.Date, int64(s.OnHand), int64(s.Allocated),
		int64(s.Reserved), int64(s.Safety), int64(s.Inbound), int64(s.ATP), int64(s.NetworkATP), ev.Expires,
		ev.ShipBy, ev.DeliverBy} {
		w.Varint(v)
	}
	for _, v := range [...]uint64{uint64(ev.Reservation), uint64(ev.Fulfilment), uint64(ev.Shipment), uint64(ev.Return)} {
		w.Uvarint(v)
	}
	encodeScore(w, &ev.Plan)
}

// decodeEvent reads what encodeEvent wrote.
func decodeEvent(r *wire.Reader, ev *Event) {
	for _, p := range [...]*uint8{(*uint8)(&ev.Kind), (*uint8)(&ev.Cmd), (*uint8)(&ev.Reason), (*uint8)(&ev.Channel),
		(*uint8)(&ev.Adjust), (*uint8)(&ev.Status), (*uint8)(&ev.Hold), (*uint8)(&ev.Payment), (*uint8)(&ev.Condition)} {
		*p = r.Byte()
	}
	ev.PickedUp = r.Bool()
	ev.Line = decodeU32(r)
	ev.Loc = LocationID(decodeU32(r))
	ev.Count = decodeI32(r)
	ev.Order = OrderID(r.Uvarint())
	ev.Field, ev.ChannelOrderID, ev.Customer = r.Name(), r.String(), r.Name()
	ev.SKU, ev.Currency, ev.Tracking = SKU(r.Name()), r.Name(), r.String()
	s := &ev.Stock
	for _, p := range [...]*int64{(*int64)(&ev.Qty), (*int64)(&ev.Amount), &ev.Date, (*int64)(&s.OnHand),
		(*int64)(&s.Allocated), (*int64)(&s.Reserved), (*int64)(&s.Safety), (*int64)(&s.Inbound), (*int64)(&s.ATP),
		(*int64)(&s.NetworkATP), &ev.Expires, &ev.ShipBy, &ev.DeliverBy} {
		*p = r.Varint()
	}
	for _, p := range [...]*uint64{(*uint64)(&ev.Reservation), (*uint64)(&ev.Fulfilment), (*uint64)(&ev.Shipment),
		(*uint64)(&ev.Return)} {
		*p = r.Uvarint()
	}
	decodeScore(r, &ev.Plan)
}
