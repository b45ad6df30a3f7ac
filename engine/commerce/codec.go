package commerce

import (
	"fmt"

	"github.com/ordercore/oms/engine/wire"
)

// Command encoding versions. The version is not written by EncodeCommand:
// it is the version of the enclosing payload (engine.AppendCommand), which
// passes it back to DecodeCommandVersion, and the same number as the trading
// commands' (book.CodecVersion). Append only: journals hold every version
// ever written.
const (
	// CodecV1: a reservation and its release carry no channel.
	CodecV1 byte = 1
	// CodecV2: a reservation and its release also hold the channel that
	// asks (zero: an administrator, no owner). A version 1 one decodes
	// with the channel zero.
	CodecV2 byte = 2
	// CodecV3: the kinds that take a request id (keyed, reqid.go) end
	// with it and, when it is set, the caller that scopes it. A version 2
	// or older one decodes with neither.
	CodecV3 byte = 3
	// CodecV4: Cancel, ReadyForPickup and PickedUp take a request id too,
	// written as version 3 writes the others'. A version 3 or older one
	// decodes with neither.
	CodecV4 byte = 4
	// CodecVersion is the version EncodeCommand writes.
	CodecVersion = CodecV4
)

// EncodeCommand writes the canonical encoding of c, at CodecVersion: only
// the fields its Kind reads, so a change to an unrelated field cannot alter
// a journal record.
func EncodeCommand(w *wire.Writer, c *Command) {
	encodeBody(w, c)
	if keyed(c.Kind) {
		w.String(c.RequestID)
		if c.RequestID != "" {
			w.String(c.Caller)
		}
	}
}

// encodeBody writes the kind and the fields it reads, but not the request
// id: what a request id's fingerprint covers (requestHash).
func encodeBody(w *wire.Writer, c *Command) {
	w.Byte(byte(c.Kind))
	switch c.Kind {
	case CmdSetLocation:
		encodeLocation(w, &c.Location)
	case CmdSetStock:
		encodeSKULoc(w, c)
		w.Uvarint(c.Version)
	case CmdAdjustStock:
		encodeSKULoc(w, c)
		w.Byte(byte(c.Adjust))
	case CmdSetSafetyStock, CmdReceive:
		encodeSKULoc(w, c)
	case CmdAddInbound:
		encodeSKULoc(w, c)
		w.Varint(c.Date)
	case CmdReserve:
		encodeSKULoc(w, c)
		w.Varint(c.TTL)
		w.Byte(byte(c.Channel))
	case CmdReleaseReservation:
		w.Uvarint(uint64(c.Reservation))
		w.Byte(byte(c.Channel))
	case CmdPlaceOrder:
		w.Byte(byte(c.Channel))
		w.String(c.ChannelOrderID)
		w.String(c.Customer)
		w.Varint(int64(c.ShipTo.Lat))
		w.Varint(int64(c.ShipTo.Lon))
		w.Uvarint(uint64(c.PickupStore))
		w.Bool(c.ShipComplete)
		w.Byte(c.Priority)
		w.Byte(byte(c.Payment))
		w.Uvarint(uint64(len(c.Lines)))
		for i := range c.Lines {
			l := &c.Lines[i]
			w.String(string(l.SKU))
			w.Varint(int64(l.Qty))
			w.Varint(int64(l.UnitPrice))
			w.String(l.Currency)
			w.Uvarint(uint64(l.Reservation))
		}
	case CmdReleaseHold, CmdRelease:
		w.Uvarint(uint64(c.Order))
	case CmdShip:
		w.Uvarint(uint64(c.Order))
		w.Uvarint(uint64(c.Loc))
		w.String(c.Tracking)
		encodeRefLines(w, c.Lines, false)
	case CmdDeliver:
		w.Uvarint(uint64(c.Order))
		w.Uvarint(uint64(c.Shipment))
	case CmdCancel, CmdAuthoriseReturn, CmdReadyForPickup, CmdPickedUp:
		w.Uvarint(uint64(c.Order))
		encodeRefLines(w, c.Lines, false)
	case CmdReceiveReturn:
		w.Uvarint(uint64(c.Return))
		w.Uvarint(uint64(c.Loc))
		encodeRefLines(w, c.Lines, true)
	case CmdSetRules:
		w.Varint(int64(c.Rules.MaxValue))
		w.Varint(int64(c.Rules.MaxQty))
		w.Bool(c.Rules.CheckCredit)
		w.Bool(c.Rules.CheckPayment)
		w.Varint(c.Rules.ReturnWindow)
	case CmdSetCustomer:
		w.String(c.Customer)
		w.Bool(c.B2BCustomer)
		w.Varint(int64(c.CreditLimit))
	case CmdSetPayment:
		w.Uvarint(uint64(c.Order))
		w.Byte(byte(c.Payment))
	case CmdSetRetention:
		w.Varint(c.Retention.ArchiveAfter)
		w.Varint(c.Retention.DedupWindow)
	}
}

func encodeSKULoc(w *wire.Writer, c *Command) {
	w.String(string(c.SKU))
	w.Uvarint(uint64(c.Loc))
	w.Varint(int64(c.Qty))
}

func decodeSKULoc(r *wire.Reader, c *Command) {
	c.SKU = SKU(r.Name())
	c.Loc = LocationID(decodeU32(r))
	c.Qty = Qty(r.Varint())
}

func encodeRefLines(w *wire.Writer, lines []LineInput, cond bool) {
	w.Uvarint(uint64(len(lines)))
	for i := range lines {
		w.Uvarint(uint64(lines[i].Line))
		w.Varint(int64(lines[i].Qty))
		if cond {
			w.Byte(byte(lines[i].Condition))
		}
	}
}

func decodeRefLines(r *wire.Reader, c *Command, cond bool) {
	n := r.Count()
	if n == 0 {
		return
	}
	c.Lines = make([]LineInput, n)
	for i := range c.Lines {
		c.Lines[i].Line = decodeU32(r)
		c.Lines[i].Qty = Qty(r.Varint())
		if cond {
			c.Lines[i].Condition = Condition(r.Byte())
		}
	}
}

func decodeU32(r *wire.Reader) uint32 {
	v := r.Uvarint()
	if v > 1<<32-1 {
		r.Fail(fmt.Errorf("%w: %d does not fit 32 bits", wire.ErrCorrupt, v))
		return 0
	}
	return uint32(v)
}

func decodeI32(r *wire.Reader) int32 {
	v := r.Varint()
	if v < -1<<31 || v > 1<<31-1 {
		r.Fail(fmt.Errorf("%w: %d does not fit 32 bits", wire.ErrCorrupt, v))
		return 0
	}
	return int32(v)
}

func encodeLocation(w *wire.Writer, l *Location) {
	w.Uvarint(uint64(l.ID))
	w.Byte(byte(l.Kind))
	w.Varint(int64(l.At.Lat))
	w.Varint(int64(l.At.Lon))
	w.Varint(int64(l.LeadHours))
	w.Varint(int64(l.Capacity))
	w.Varint(int64(l.CostPerShipment))
	w.Varint(int64(l.CostPerKm))
	w.Varint(int64(l.Priority))
	var flags byte
	for i, f := range [...]bool{l.Ships, l.Pickup, l.ShipFromStore, l.Active} {
		if f {
			flags |= 1 << i
		}
	}
	w.Byte(flags)
}

func decodeLocation(r *wire.Reader, l *Location) {
	l.ID = LocationID(decodeU32(r))
	l.Kind = LocKind(r.Byte())
	l.At.Lat = MicroDeg(decodeI32(r))
	l.At.Lon = MicroDeg(decodeI32(r))
	l.LeadHours = decodeI32(r)
	l.Capacity = decodeI32(r)
	l.CostPerShipment = Money(r.Varint())
	l.CostPerKm = Money(r.Varint())
	l.Priority = decodeI32(r)
	flags := r.Byte()
	if flags>>4 != 0 {
		r.Fail(fmt.Errorf("%w: location flags %#x", wire.ErrCorrupt, flags))
	}
	l.Ships, l.Pickup, l.ShipFromStore, l.Active = flags&1 != 0, flags&2 != 0, flags&4 != 0, flags&8 != 0
}

// DecodeCommand reads what EncodeCommand wrote. Problems are recorded in r.
// Strings are copied, so c does not alias the input.
func DecodeCommand(r *wire.Reader, c *Command) { DecodeCommandVersion(r, c, CodecVersion) }

// DecodeCommandVersion reads a command encoded at version v (CodecV1 or
// later): what EncodeCommand wrote when v was its version.
func DecodeCommandVersion(r *wire.Reader, c *Command, v byte) {
	*c = Command{Kind: CmdKind(r.Byte())}
	if v < CodecV1 || v > CodecVersion {
		r.Fail(fmt.Errorf("%w: commerce command encoding version %d", wire.ErrCorrupt, v))
		return
	}
	switch c.Kind {
	case CmdSetLocation:
		decodeLocation(r, &c.Location)
	case CmdSetStock:
		decodeSKULoc(r, c)
		c.Version = r.Uvarint()
	case CmdAdjustStock:
		decodeSKULoc(r, c)
		c.Adjust = AdjustReason(r.Byte())
	case CmdSetSafetyStock, CmdReceive:
		decodeSKULoc(r, c)
	case CmdAddInbound:
		decodeSKULoc(r, c)
		c.Date = r.Varint()
	case CmdReserve:
		decodeSKULoc(r, c)
		c.TTL = r.Varint()
		if v >= CodecV2 {
			c.Channel = Channel(r.Byte())
		}
	case CmdReleaseReservation:
		c.Reservation = ReservationID(r.Uvarint())
		if v >= CodecV2 {
			c.Channel = Channel(r.Byte())
		}
	case CmdPlaceOrder:
		decodePlace(r, c)
	case CmdReleaseHold, CmdRelease:
		c.Order = OrderID(r.Uvarint())
	case CmdShip:
		c.Order = OrderID(r.Uvarint())
		c.Loc = LocationID(decodeU32(r))
		c.Tracking = r.String()
		decodeRefLines(r, c, false)
	case CmdDeliver:
		c.Order = OrderID(r.Uvarint())
		c.Shipment = ShipmentID(r.Uvarint())
	case CmdCancel, CmdAuthoriseReturn, CmdReadyForPickup, CmdPickedUp:
		c.Order = OrderID(r.Uvarint())
		decodeRefLines(r, c, false)
	case CmdReceiveReturn:
		c.Return = ReturnID(r.Uvarint())
		c.Loc = LocationID(decodeU32(r))
		decodeRefLines(r, c, true)
	case CmdSetRules:
		c.Rules.MaxValue = Money(r.Varint())
		c.Rules.MaxQty = Qty(r.Varint())
		c.Rules.CheckCredit = r.Bool()
		c.Rules.CheckPayment = r.Bool()
		c.Rules.ReturnWindow = r.Varint()
	case CmdSetCustomer:
		c.Customer = r.String()
		c.B2BCustomer = r.Bool()
		c.CreditLimit = Money(r.Varint())
	case CmdSetPayment:
		c.Order = OrderID(r.Uvarint())
		c.Payment = Payment(r.Byte())
	case CmdSetRetention:
		c.Retention.ArchiveAfter = r.Varint()
		c.Retention.DedupWindow = r.Varint()
	default:
		r.Fail(fmt.Errorf("%w: commerce command kind %d", wire.ErrCorrupt, c.Kind))
	}
	if keyedAt(c.Kind, v) {
		c.RequestID = r.String()
		if c.RequestID != "" {
			c.Caller = r.Name()
		}
	}
}

func decodePlace(r *wire.Reader, c *Command) {
	c.Channel = Channel(r.Byte())
	c.ChannelOrderID = r.String()
	c.Customer = r.Name()
	c.ShipTo.Lat = MicroDeg(decodeI32(r))
	c.ShipTo.Lon = MicroDeg(decodeI32(r))
	c.PickupStore = LocationID(decodeU32(r))
	c.ShipComplete = r.Bool()
	c.Priority = r.Byte()
	c.Payment = Payment(r.Byte())
	n := r.Count()
	if n == 0 {
		return
	}
	c.Lines = make([]LineInput, n)
	for i := range c.Lines {
		l := &c.Lines[i]
		l.SKU = SKU(r.Name())
		l.Qty = Qty(r.Varint())
		l.UnitPrice = Money(r.Varint())
		l.Currency = r.Name()
		l.Reservation = ReservationID(r.Uvarint())
	}
}
