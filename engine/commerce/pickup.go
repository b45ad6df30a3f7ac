package commerce

// Buy online, pick up in store (BOPIS). A pickup order is sourced only at
// its store and released to it like any order (one fulfilment request);
// then, instead of shipping with a tracking number:
//
//  1. ReadyForPickup: the store has picked the released units and set
//     them aside for the customer (EvReadyForPickup per line; the order is
//     StatusReadyForPickup once every open unit is). The units stay on hand
//     and allocated at the store: they are still the store's stock, held
//     for the order, so a no-show is a cancel that puts them back on sale
//     (EvFulfilmentCancelled tells the store; the released units not ready
//     go back first).
//  2. PickedUp: the customer collected them. A collection is the order's
//     shipment and its delivery at once: a shipment without tracking from
//     the store (EvShipped lines, stock events), then EvDelivered with
//     PickedUp. Only ready units may be collected.
//
// Ship is refused for a pickup order (ReasonPickupOrder), and the pickup
// commands for a shipped order (ReasonNotPickupOrder). Deliver still books
// a pickup shipment made by Ship before these rules.

// pickupOrder resolves the order of a pickup command, which must be a
// pickup order, or rejects.
func (e *Engine) pickupOrder(c *Command) (*order, bool) {
	o, ok := e.lookupOrder(c)
	if !ok {
		return nil, false
	}
	if o.pickup < 0 {
		e.reject(c.Kind, ReasonNotPickupOrder, "order", 0)
		return nil, false
	}
	return o, true
}

// readyForPickup marks released units of a pickup order ready for
// collection at its store. A re-send of the last one carried out is
// answered as it was (readyResent), unless the command has a request id
// (reqid.go), which takes precedence as it does for Ship: two requests
// under different ids are two requests.
func (e *Engine) readyForPickup(c *Command) {
	o, ok := e.pickupOrder(c)
	if !ok {
		return
	}
	if c.RequestID == "" && e.readyResent(o, c.Lines) {
		e.replayReady(o)
		return
	}
	lines := c.Lines
	if len(lines) == 0 {
		lines = e.pickupAll(o, func(l *line) Qty { return l.released - l.ready })
		if len(lines) == 0 {
			e.reject(c.Kind, ReasonNotReleased, "order", 0)
			return
		}
	} else {
		if !e.refLines(c, o) {
			return
		}
		for i := range lines {
			in := &lines[i]
			l := at(&e.lines, o.line0+int32(in.Line)-1)
			switch {
			case in.Qty > l.allocated-l.ready:
				e.reject(c.Kind, ReasonShipExceedsAllocated, "lines.qty", in.Line)
				return
			case in.Qty > l.released-l.ready:
				e.reject(c.Kind, ReasonNotReleased, "lines.qty", in.Line)
				return
			}
		}
	}
	store := e.locs[o.pickup].def.ID
	for i := range lines {
		l := at(&e.lines, o.line0+int32(lines[i].Line)-1)
		l.ready += lines[i].Qty
		e.emit(&Event{Kind: EvReadyForPickup, Order: o.id, Line: l.num, SKU: e.skus[l.sku].name,
			Loc: store, Qty: lines[i].Qty})
		if i == 0 {
			o.readyHist = o.histTail
		}
	}
	o.readyAll = len(c.Lines) == 0
	e.updateStatus(int32(o.id - 1))
}

// A store's system re-sends a ReadyForPickup whose answer it did not get
// (a timeout, a reconnect). The request carries no id of its own, and
// marking units ready is not idempotent by itself (a line's quantity is
// added), so the engine recognises a re-send as placement does a
// re-submit: the same request as the last ReadyForPickup carried out
// (every released unit, or the same lines and quantities in the same
// order) while nothing else has happened to the order since (its history
// ends with that answer: the ready units and the statuses they changed).
// It is answered with the first answer's events, marked Duplicate, and
// changes nothing. Anything else is a new request, validated as such: the
// same request after a release, a collection or a cancel marks what it
// asks for if it can, else it is rejected. NB: the same lines sent twice
// in a row, meant to mark twice as many units, are taken for one request
// re-sent: a store marks the units it has set aside together, in one
// request, or gives each request its own request id. A re-send after
// something else happened to the order (a collection, a cancel) is not
// recognised: a store that may retry late sends request ids.

// readyResent reports whether a ReadyForPickup of lines (none: every
// released unit) is a re-send of the last one carried out on o.
func (e *Engine) readyResent(o *order, lines []LineInput) bool {
	if o.readyHist < 0 || o.readyAll != (len(lines) == 0) {
		return false
	}
	n, statuses := 0, false
	for hi := o.readyHist; hi >= 0; hi = at(&e.hist, hi).next {
		h := at(&e.hist, hi)
		if h.kind == EvOrderStatus {
			statuses = true
			continue
		}
		if h.kind != EvReadyForPickup || statuses {
			return false // something happened since
		}
		if len(lines) > 0 && (n >= len(lines) || lines[n].Line != h.line || lines[n].Qty != h.qty) {
			return false
		}
		n++
	}
	return len(lines) == 0 || n == len(lines)
}

// replayReady re-emits the answer to o's last ReadyForPickup, marked
// Duplicate: its ready units and the statuses they changed, from the
// order's history.
func (e *Engine) replayReady(o *order) {
	for hi := o.readyHist; hi >= 0; hi = at(&e.hist, hi).next {
		h := at(&e.hist, hi)
		ev := Event{Kind: h.kind, Duplicate: true, Order: o.id, Line: h.line, Status: h.status}
		if h.line != 0 {
			ev.SKU = e.skus[at(&e.lines, o.line0+int32(h.line)-1).sku].name
		}
		if h.kind == EvReadyForPickup {
			ev.Loc, ev.Qty, ev.Status = h.loc, h.qty, 0
		}
		e.emit(&ev)
	}
}

// pickedUp books the customer's collection of ready units: one shipment
// from the store, delivered at once.
func (e *Engine) pickedUp(c *Command) {
	o, ok := e.pickupOrder(c)
	if !ok {
		return
	}
	lines := c.Lines
	if len(lines) == 0 {
		lines = e.pickupAll(o, func(l *line) Qty { return l.ready })
		if len(lines) == 0 {
			e.reject(c.Kind, ReasonNotReadyForPickup, "order", 0)
			return
		}
	} else {
		if !e.refLines(c, o) {
			return
		}
		for i := range lines {
			if in := &lines[i]; in.Qty > at(&e.lines, o.line0+int32(in.Line)-1).ready {
				e.reject(c.Kind, ReasonNotReadyForPickup, "lines.qty", in.Line)
				return
			}
		}
	}
	for i := range lines {
		at(&e.lines, o.line0+int32(lines[i].Line)-1).ready -= lines[i].Qty
	}
	e.deliverShipment(o, e.bookShipment(o, o.pickup, "", lines))
	e.updateStatus(int32(o.id - 1))
}

// pickupAll lists every line of o with avail(l) > 0, for all of it, in
// line order (a scratch slice reused across commands).
func (e *Engine) pickupAll(o *order, avail func(*line) Qty) []LineInput {
	out := e.pickupScratch[:0]
	for i := int32(0); i < o.nLines; i++ {
		l := at(&e.lines, o.line0+i)
		if q := avail(l); q > 0 {
			out = append(out, LineInput{Line: l.num, Qty: q})
		}
	}
	e.pickupScratch = out
	return out
}
