package workload

import (
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/ordercore/oms/engine/commerce"
)

// CommerceEpoch is the engine time (unix ns, 2026-01-01T00:00:00Z) at which
// a generated commerce stream starts; the generator advances it by
// CommerceStep per command.
const (
	CommerceEpoch int64 = 1767225600e9
	CommerceStep  int64 = 1e6
)

// CommerceConfig parameterises a commerce stream. Zero values take the
// defaults in brackets.
type CommerceConfig struct {
	Seed      uint64
	Locations int // fulfilment locations [100]: 10% warehouses, 5% 3PLs, the rest stores
	SKUs      int // catalogue size [2000]
	// StockedAt is how many locations hold each SKU at the start [6]:
	// always one warehouse, the rest spread over the network.
	StockedAt int
	Customers int     // [10000]
	ZipfS     float64 // SKU popularity skew, > 1 [1.2]: a few SKUs take most demand
	Commands  int     // length of the steady-state stream
	// Shares of the steady-state mix, in percent; the remainder places
	// orders. Defaults: 10 receipts, 8 cancels.
	ReceivePct, CancelPct int
	// CancelAge is the minimum number of commands between an order's
	// placement and its cancel [64], so that a concurrent driver has
	// almost surely placed the order before it cancels it.
	CancelAge int
}

func (c *CommerceConfig) withDefaults() CommerceConfig {
	o := *c
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.Locations, 100)
	def(&o.SKUs, 2000)
	def(&o.StockedAt, 6)
	def(&o.Customers, 10000)
	def(&o.CancelAge, 64)
	if o.ZipfS <= 1 {
		o.ZipfS = 1.2
	}
	if o.ReceivePct == 0 && o.CancelPct == 0 {
		o.ReceivePct, o.CancelPct = 10, 8
	}
	o.StockedAt = min(o.StockedAt, o.Locations)
	return o
}

// Commerce is a generated stream: Setup (locations and opening stock)
// followed by Steady, the measured part.
type Commerce struct {
	Setup  []commerce.Command
	Steady []commerce.Command
	// PlacedBy[i] is, for a steady cancel, the index in Steady of the
	// PlaceOrder that created the order it cancels; -1 for every other
	// command. Steady[i].Order holds the id the order gets when the stream
	// runs in order from an empty engine; a driver that submits
	// concurrently maps PlacedBy to the id the engine actually returned.
	PlacedBy []int32
	// Mix counts the steady commands by what they are.
	Mix struct{ Place, Cancel, Receive int }
}

type placed struct {
	id  commerce.OrderID
	idx int32 // steady index of the placement
}

type commerceGen struct {
	cfg     CommerceConfig
	r       *rand.Rand
	zipf    *rand.Zipf
	eng     *commerce.Engine
	out     []commerce.Event
	now     int64
	locs    []commerce.Location
	stocked [][]commerce.LocationID // per SKU: the locations that stock it
	recent  []placed                // placed, not yet old enough to cancel (FIFO)
	live    []placed                // cancellable orders
	orderN  int
}

// NewCommerce generates a commerce stream.
func NewCommerce(cfg CommerceConfig) *Commerce {
	cfg = cfg.withDefaults()
	r := rand.New(rand.NewPCG(cfg.Seed, 0xc0ffee))
	g := &commerceGen{cfg: cfg, r: r, zipf: rand.NewZipf(r, cfg.ZipfS, 1, uint64(cfg.SKUs-1)),
		eng: commerce.New(), now: CommerceEpoch}
	w := &Commerce{}
	for i := range cfg.Locations {
		loc := g.location(i)
		g.locs = append(g.locs, loc)
		w.Setup = append(w.Setup, commerce.Command{Kind: commerce.CmdSetLocation, Location: loc})
	}
	g.stocked = make([][]commerce.LocationID, cfg.SKUs)
	for s := range cfg.SKUs {
		for _, loc := range g.stockLocations(s) {
			g.stocked[s] = append(g.stocked[s], loc)
			w.Setup = append(w.Setup, commerce.Command{Kind: commerce.CmdSetStock, SKU: skuName(s), Loc: loc,
				Qty: commerce.Qty(50 + g.r.IntN(200)), Version: 1})
		}
	}
	for i := range w.Setup {
		g.apply(&w.Setup[i])
	}
	w.Steady = make([]commerce.Command, 0, cfg.Commands)
	w.PlacedBy = make([]int32, 0, cfg.Commands)
	for len(w.Steady) < cfg.Commands {
		c, ref := g.next(w, int32(len(w.Steady)))
		for _, ev := range g.apply(&c) {
			if ev.Kind == commerce.EvOrderCreated {
				g.recent = append(g.recent, placed{id: ev.Order, idx: int32(len(w.Steady))})
			}
		}
		w.Steady = append(w.Steady, c)
		w.PlacedBy = append(w.PlacedBy, ref)
	}
	return w
}

func skuName(i int) commerce.SKU { return commerce.SKU("SKU" + strconv.Itoa(i)) }

// SKUName is the name the generator gives the i-th SKU (by popularity
// rank: SKU0 is the hottest).
func SKUName(i int) commerce.SKU { return skuName(i) }

// location defines the i-th location: the first 10% are warehouses, the
// next 5% 3PLs, the rest stores (every fourth one ships).
func (g *commerceGen) location(i int) commerce.Location {
	n := g.cfg.Locations
	loc := commerce.Location{ID: commerce.LocationID(i + 1), At: g.coord(), LeadHours: 24,
		CostPerShipment: 500, CostPerKm: 1, Priority: int32(i % 7), Active: true}
	switch {
	case i < max(1, n/10):
		loc.Kind, loc.Ships, loc.LeadHours = commerce.Warehouse, true, 12
	case i < max(1, n/10)+n/20:
		loc.Kind, loc.Ships, loc.CostPerShipment = commerce.ThirdParty, true, 700
	default:
		loc.Kind, loc.Pickup, loc.ShipFromStore, loc.CostPerShipment = commerce.Store, true, i%4 == 0, 900
	}
	return loc
}

// coord is a point in the continental United States.
func (g *commerceGen) coord() commerce.Coord {
	return commerce.Coord{Lat: commerce.MicroDeg(30e6 + g.r.IntN(18e6)), Lon: commerce.MicroDeg(-122e6 + g.r.IntN(47e6))}
}

// stockLocations picks the distinct locations that stock SKU s: one
// warehouse, then any others.
func (g *commerceGen) stockLocations(s int) []commerce.LocationID {
	nWh := max(1, g.cfg.Locations/10)
	first := commerce.LocationID(1 + (s % nWh))
	out := []commerce.LocationID{first}
	for len(out) < g.cfg.StockedAt {
		id := commerce.LocationID(1 + g.r.IntN(g.cfg.Locations))
		dup := false
		for _, o := range out {
			dup = dup || o == id
		}
		if !dup {
			out = append(out, id)
		}
	}
	return out
}

func (g *commerceGen) apply(c *commerce.Command) []commerce.Event {
	g.out = g.eng.Apply(c, g.now, g.out[:0])
	g.now += CommerceStep
	return g.out
}

func (g *commerceGen) next(w *Commerce, idx int32) (commerce.Command, int32) {
	for len(g.recent) > 0 && int(idx-g.recent[0].idx) >= g.cfg.CancelAge {
		g.live = append(g.live, g.recent[0])
		g.recent = g.recent[1:]
	}
	p := g.r.IntN(100)
	switch {
	case p < g.cfg.ReceivePct:
		w.Mix.Receive++
		s := int(g.zipf.Uint64())
		locs := g.stocked[s]
		return commerce.Command{Kind: commerce.CmdReceive, SKU: skuName(s), Loc: locs[g.r.IntN(len(locs))],
			Qty: commerce.Qty(20 + g.r.IntN(60))}, -1
	case p < g.cfg.ReceivePct+g.cfg.CancelPct && len(g.live) > 0:
		w.Mix.Cancel++
		k := g.r.IntN(len(g.live))
		o := g.live[k]
		g.live[k] = g.live[len(g.live)-1]
		g.live = g.live[:len(g.live)-1]
		return commerce.Command{Kind: commerce.CmdCancel, Order: o.id}, o.idx
	default:
		w.Mix.Place++
		return g.order(), -1
	}
}

// order is a web or marketplace order of 1 to 5 distinct SKUs, drawn by
// popularity; one in ten is a store pickup.
func (g *commerceGen) order() commerce.Command {
	g.orderN++
	c := commerce.Command{Kind: commerce.CmdPlaceOrder, Channel: commerce.Web,
		ChannelOrderID: "W" + strconv.Itoa(g.orderN), Customer: "C" + strconv.Itoa(g.r.IntN(g.cfg.Customers)),
		ShipTo: g.coord(), Payment: commerce.PaymentAuthorised}
	if g.r.IntN(5) == 0 {
		c.Channel, c.ChannelOrderID = commerce.Marketplace, "M"+strconv.Itoa(g.orderN)
	}
	n := 1 + g.r.IntN(5)
	c.Lines = make([]commerce.LineInput, 0, n)
	for tries := 0; len(c.Lines) < n && tries < 4*n; tries++ {
		s := int(g.zipf.Uint64())
		sku := skuName(s)
		dup := false
		for _, l := range c.Lines {
			dup = dup || l.SKU == sku
		}
		if !dup {
			c.Lines = append(c.Lines, commerce.LineInput{SKU: sku, Qty: commerce.Qty(1 + g.r.IntN(3)),
				UnitPrice: commerce.Money(499 + (s%50)*200), Currency: "USD"})
		}
	}
	if g.r.IntN(10) == 0 {
		if st := g.pickupStore(); st != 0 {
			c.PickupStore = st
		}
	}
	return c
}

func (g *commerceGen) pickupStore() commerce.LocationID {
	for range 4 {
		l := g.locs[g.r.IntN(len(g.locs))]
		if l.Pickup {
			return l.ID
		}
	}
	return 0
}

// String summarises the stream.
func (w *Commerce) String() string {
	return fmt.Sprintf("commerce: %d setup, %d steady (%d place, %d cancel, %d receive)",
		len(w.Setup), len(w.Steady), w.Mix.Place, w.Mix.Cancel, w.Mix.Receive)
}
