package commerce

import "fmt"

// byteSource turns bytes into choices; exhausted, it yields zeros. Fuzz
// tests feed it the fuzzer's input, random tests feed it seeded bytes.
type byteSource struct {
	b []byte
	i int
}

func (s *byteSource) n(k int) int {
	if k <= 1 {
		return 0
	}
	if s.i >= len(s.b) {
		return 0
	}
	v := int(s.b[s.i])
	s.i++
	if k > 256 && s.i < len(s.b) {
		v = v<<8 | int(s.b[s.i])
		s.i++
	}
	return v % k
}

func (s *byteSource) done() bool { return s.i >= len(s.b) }

// gen produces a random command stream over a small universe, mostly valid
// and sometimes not, so that every path (rejections included) is taken.
type gen struct {
	src    *byteSource
	now    int64
	orders int
	nextID int
	placed map[int]Command // by channel order id number: what was placed first
	keyed  Command         // the last keyed command with a request id, for retries
}

var genSKUs = [...]SKU{"A", "B", "C", "D", "Z"}

func (g *gen) sku() SKU        { return genSKUs[g.src.n(len(genSKUs))] }
func (g *gen) loc() LocationID { return LocationID(1 + g.src.n(5)) }
func (g *gen) qty() Qty        { return Qty(g.src.n(8) - 1) }
func (g *gen) order() OrderID  { return OrderID(1 + g.src.n(g.orders+2)) }

func (g *gen) coord() Coord {
	return Coord{Lat: MicroDeg(43e6 + g.src.n(8)*1e6), Lon: MicroDeg(-1e6 + g.src.n(7)*1e6)}
}

// next fills c with the next command; tick reports a Tick instead.
func (g *gen) next(c *Command) (tick bool) {
	g.now += int64(g.src.n(4)) * Hour / 2
	*c = Command{}
	if g.keyed.Kind != 0 && g.src.n(16) == 0 {
		// A retry of the last command with a request id.
		*c = g.keyed
		c.Lines = append([]LineInput(nil), g.keyed.Lines...)
		return false
	}
	tick = g.command(c)
	if keyed(c.Kind) && g.src.n(3) == 0 {
		// A small pool of ids and callers: retries, conflicts, scopes.
		c.RequestID, c.Caller = fmt.Sprint("r", g.src.n(4)), fmt.Sprint("wms", g.src.n(2))
		g.keyed = *c
		g.keyed.Lines = append([]LineInput(nil), c.Lines...)
	}
	return tick
}

// command fills c with a new command; tick reports a Tick instead.
func (g *gen) command(c *Command) (tick bool) {
	switch g.src.n(20) {
	case 0:
		c.Kind = CmdSetLocation
		c.Location = Location{ID: LocationID(g.src.n(5)), Kind: LocKind(1 + g.src.n(4)), At: g.coord(),
			LeadHours: int32(g.src.n(48)), Capacity: int32(g.src.n(4)), CostPerShipment: Money(g.src.n(500)),
			CostPerKm: Money(g.src.n(3)), Priority: int32(g.src.n(3)), Ships: g.src.n(5) > 0,
			Pickup: g.src.n(2) == 0, ShipFromStore: g.src.n(2) == 0, Active: g.src.n(6) > 0}
	case 1, 2:
		c.Kind, c.SKU, c.Loc, c.Qty, c.Version = CmdSetStock, g.sku(), g.loc(), Qty(g.src.n(12)-1), uint64(g.src.n(40))
	case 3:
		c.Kind, c.SKU, c.Loc, c.Qty, c.Adjust = CmdAdjustStock, g.sku(), g.loc(), Qty(g.src.n(9)-4), AdjustReason(g.src.n(5))
	case 4:
		c.Kind, c.SKU, c.Loc, c.Qty = CmdSetSafetyStock, g.sku(), g.loc(), Qty(g.src.n(3))
	case 5:
		c.Kind, c.SKU, c.Loc, c.Qty, c.Date = CmdAddInbound, g.sku(), g.loc(), g.qty(), g.now+int64(g.src.n(5))*Day
	case 6:
		c.Kind, c.SKU, c.Loc, c.Qty = CmdReceive, g.sku(), g.loc(), g.qty()
	case 7:
		c.Kind, c.SKU, c.Loc, c.Qty, c.TTL = CmdReserve, g.sku(), g.loc(), g.qty(), int64(g.src.n(4))*Hour
	case 8:
		c.Kind, c.Reservation = CmdReleaseReservation, ReservationID(g.src.n(6))
	case 9, 10, 11:
		g.place(c)
	case 12:
		c.Kind, c.Order = CmdRelease, g.order()
	case 13:
		c.Kind, c.Order = CmdReleaseHold, g.order()
	case 14:
		switch g.src.n(4) {
		case 0:
			c.Kind, c.Order = CmdReadyForPickup, g.order()
		case 1:
			c.Kind, c.Order = CmdPickedUp, g.order()
		default:
			c.Kind, c.Order, c.Loc, c.Tracking = CmdShip, g.order(), g.loc(), fmt.Sprint("T", g.src.n(8))
		}
		if c.Kind == CmdShip || g.src.n(2) == 0 {
			c.Lines = g.refLines(false)
		}
	case 15:
		c.Kind, c.Order, c.Shipment = CmdDeliver, g.order(), ShipmentID(g.src.n(6))
	case 16:
		c.Kind, c.Order = CmdCancel, g.order()
		if g.src.n(2) == 0 {
			c.Lines = g.refLines(false)
		}
	case 17:
		switch g.src.n(5) {
		case 0:
			c.Kind, c.Order = CmdAuthoriseReturn, g.order()
			c.Lines = g.refLines(false)
		case 1:
			c.Kind, c.Return, c.Loc = CmdReceiveReturn, ReturnID(g.src.n(4)), g.loc()
			c.Lines = g.refLines(true)
		case 2:
			c.Kind = CmdSetRules
			c.Rules = HoldRules{MaxValue: Money(g.src.n(3) * 500), MaxQty: Qty(g.src.n(3) * 4),
				CheckCredit: g.src.n(2) == 0, CheckPayment: g.src.n(2) == 0, ReturnWindow: int64(g.src.n(3)) * Day}
		case 3:
			// Short retention, so streams archive orders and forget keys.
			c.Kind = CmdSetRetention
			c.Retention = Retention{ArchiveAfter: int64(g.src.n(4)-1) * Day, DedupWindow: int64(g.src.n(4)) * Day}
		default:
			c.Kind, c.Customer, c.B2BCustomer, c.CreditLimit = CmdSetCustomer, "cu"+fmt.Sprint(g.src.n(3)), g.src.n(2) == 0, Money(g.src.n(2000))
		}
	case 18:
		c.Kind, c.Order, c.Payment = CmdSetPayment, g.order(), Payment(g.src.n(4))
	default:
		return true
	}
	return false
}

func (g *gen) place(c *Command) {
	first := -1 // the id number of a new key
	c.Kind = CmdPlaceOrder
	c.Channel = Channel(1 + g.src.n(5))
	if g.src.n(6) == 0 && g.nextID > 0 {
		// A re-submit, mostly of the same order (a retry), sometimes of
		// another one under the same key (a conflict), or on another
		// channel (another key).
		id := g.src.n(g.nextID)
		if prev, ok := g.placed[id]; ok && g.src.n(4) > 0 {
			*c = prev
			c.Lines = append([]LineInput(nil), prev.Lines...)
			g.orders++
			return
		}
		c.ChannelOrderID = fmt.Sprint("o", id)
		if g.src.n(4) > 0 {
			c.Channel = Channel(1 + id%5)
		}
	} else {
		first = g.nextID
		c.Channel = Channel(1 + g.nextID%5)
		c.ChannelOrderID = fmt.Sprint("o", g.nextID)
		g.nextID++
	}
	c.Customer = "cu" + fmt.Sprint(g.src.n(3))
	c.ShipTo = g.coord()
	if g.src.n(5) == 0 {
		c.PickupStore = g.loc()
	}
	c.ShipComplete = g.src.n(4) == 0
	c.Priority = uint8(g.src.n(3))
	c.Payment = Payment(1 + g.src.n(3))
	n := 1 + g.src.n(4)
	for range n {
		l := LineInput{SKU: g.sku(), Qty: g.qty(), UnitPrice: Money(g.src.n(400)), Currency: "EUR"}
		if g.src.n(6) == 0 {
			l.Reservation = ReservationID(g.src.n(6))
		}
		c.Lines = append(c.Lines, l)
	}
	g.orders++
	if first >= 0 {
		if g.placed == nil {
			g.placed = map[int]Command{}
		}
		keep := *c
		keep.Lines = append([]LineInput(nil), c.Lines...)
		g.placed[first] = keep
	}
}

func (g *gen) refLines(cond bool) []LineInput {
	n := 1 + g.src.n(3)
	var ls []LineInput
	for range n {
		l := LineInput{Line: uint32(1 + g.src.n(4)), Qty: g.qty()}
		if cond {
			l.Condition = Condition(g.src.n(3))
		}
		ls = append(ls, l)
	}
	return ls
}
