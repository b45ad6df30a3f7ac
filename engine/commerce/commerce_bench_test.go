package commerce

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// The benchmark network: 100 locations across France, 100,000 SKUs, each
// stocked at 10 random locations with ample stock, no capacity limit.
const (
	benchLocs        = 100
	benchSKUs        = 100_000
	benchCellsPerSKU = 10
	benchTemplates   = 1 << 14
	// benchWindow bounds the orders kept between resets: the benchmark's
	// orders stay open (never shipped, so never archived), so it drops
	// them outside the timer every benchWindow placements, keeping arena
	// and map capacity (see resetOrders).
	benchWindow = 1 << 18
)

type benchNet struct {
	e    *Engine
	skus []SKU
	r    *rand.Rand
}

func newBenchNet(tb testing.TB) *benchNet { return newBenchNetSize(tb, benchSKUs) }

func newBenchNetSize(tb testing.TB, nSKUs int) *benchNet {
	n := &benchNet{e: New(), r: rand.New(rand.NewPCG(1, 2))}
	var out []Event
	for id := LocationID(1); id <= benchLocs; id++ {
		out = n.e.Apply(&Command{Kind: CmdSetLocation, Location: Location{ID: id, Kind: Warehouse,
			At:        Coord{Lat: MicroDeg(43e6 + n.r.IntN(8e6)), Lon: MicroDeg(-1e6 + n.r.IntN(8e6))},
			LeadHours: int32(n.r.IntN(48)), CostPerShipment: Money(300 + n.r.IntN(400)), CostPerKm: 1,
			Priority: int32(n.r.IntN(3)), Ships: true, Active: true}}, 0, out[:0])
	}
	n.skus = make([]SKU, nSKUs)
	for i := range n.skus {
		n.skus[i] = SKU(fmt.Sprintf("SKU-%06d", i))
		for _, l := range n.r.Perm(benchLocs)[:benchCellsPerSKU] {
			out = n.e.Apply(&Command{Kind: CmdSetStock, SKU: n.skus[i], Loc: LocationID(l + 1),
				Qty: 1_000_000_000, Version: 1}, 0, out[:0])
		}
	}
	if err := n.e.CheckInvariants(); err != nil {
		tb.Fatal(err)
	}
	// Start the timed part with no collection in flight.
	runtime.GC()
	return n
}

// orders builds order templates of minLines..maxLines distinct SKUs.
func (n *benchNet) orders(minLines, maxLines int) []Command {
	cmds := make([]Command, benchTemplates)
	for i := range cmds {
		c := &cmds[i]
		*c = Command{Kind: CmdPlaceOrder, Channel: Channel(1 + n.r.IntN(5)), Customer: fmt.Sprint("cust-", n.r.IntN(10000)),
			ShipTo:  Coord{Lat: MicroDeg(43e6 + n.r.IntN(8e6)), Lon: MicroDeg(-1e6 + n.r.IntN(8e6))},
			Payment: PaymentAuthorised, Priority: uint8(n.r.IntN(3))}
		nl := minLines + n.r.IntN(maxLines-minLines+1)
		for len(c.Lines) < nl {
			s := n.skus[n.r.IntN(len(n.skus))]
			if !slices.ContainsFunc(c.Lines, func(l LineInput) bool { return l.SKU == s }) {
				c.Lines = append(c.Lines, LineInput{SKU: s, Qty: Qty(1 + n.r.IntN(3)), UnitPrice: 1999, Currency: "EUR"})
			}
		}
	}
	return cmds
}

// channelIDs returns benchWindow distinct ids as substrings of one string,
// so that taking one allocates nothing.
func channelIDs() []string {
	var b strings.Builder
	for i := range benchWindow {
		fmt.Fprintf(&b, "%08x", i)
	}
	s := b.String()
	ids := make([]string, benchWindow)
	for i := range ids {
		ids[i] = s[i*8 : i*8+8]
	}
	return ids
}

// resetOrders drops every order, keeping the capacity of the arenas and
// maps, and returns the allocated stock: the state of a network whose old
// orders have been archived.
func resetOrders(e *Engine) {
	e.orders.reset()
	e.links.reset()
	e.lines.reset()
	e.allocs.reset()
	e.hist.reset()
	e.ships.reset()
	e.shipLines.reset()
	e.rmas.reset()
	e.rmaLines.reset()
	e.tombs.reset()
	e.tombHead = 0
	e.archiveQ.Clear()
	e.idem.reset()
	for i := range e.custs {
		e.custs[i].head, e.custs[i].tail, e.custs[i].exposure = -1, -1, 0
	}
	for i := range e.chanHead {
		e.chanHead[i], e.chanTail[i] = -1, -1
	}
	for i := range e.boQueues {
		q := &e.boQueues[i]
		q.ship = q.ship[:0]
		for j := range q.stores {
			q.stores[j].q = q.stores[j].q[:0]
		}
	}
	for s := range e.skus {
		for c := range e.skus[s].cells {
			e.skus[s].cells[c].allocated = 0
			e.cellChanged(int32(s), c)
		}
	}
}

func benchPlace(b *testing.B, nSKUs, minLines, maxLines int) {
	n := newBenchNetSize(b, nSKUs)
	cmds := n.orders(minLines, maxLines)
	ids := channelIDs()
	out := make([]Event, 0, 64)
	// Warm up: grow the arenas and maps to a full window once, so that the
	// timed placements write to memory already faulted in (faults/op): a
	// cold engine's first touch of its growing arenas would dominate.
	for i := range benchWindow {
		c := &cmds[i%len(cmds)]
		c.ChannelOrderID = ids[i]
		out = n.e.Apply(c, 0, out[:0])
	}
	resetOrders(n.e)
	runtime.GC()
	i, lines, splits, greedy := 0, 0, 0, 0
	b.ReportAllocs()
	b.ResetTimer()
	m := startCPU()
	for b.Loop() {
		if i == benchWindow {
			b.StopTimer()
			m.exclude(func() { resetOrders(n.e) })
			i = 0
			b.StartTimer()
		}
		c := &cmds[i%len(cmds)]
		c.ChannelOrderID = ids[i]
		out = n.e.Apply(c, 0, out[:0])
		lines += len(c.Lines)
		p := &at(&n.e.orders, n.e.orders.len()-1).plan
		if p.Shipments > 1 {
			splits++
		}
		if !p.Exact {
			greedy++
		}
		i++
	}
	m.report(b)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "orders/s")
	b.ReportMetric(float64(lines)/float64(b.N), "lines/order")
	b.ReportMetric(float64(splits)/float64(b.N), "split/order")
	b.ReportMetric(float64(greedy)/float64(b.N), "greedy/order")
}

// BenchmarkPlaceOrder measures placements with sourcing over 100 locations
// and 100,000 SKUs. lines=1 is the single-location case.
func BenchmarkPlaceOrder(b *testing.B) {
	for _, tc := range []struct{ min, max int }{{1, 1}, {1, 5}, {5, 5}} {
		b.Run(fmt.Sprintf("lines=%d-%d", tc.min, tc.max), func(b *testing.B) { benchPlace(b, benchSKUs, tc.min, tc.max) })
	}
}

// BenchmarkPlaceOrderHot is BenchmarkPlaceOrder with 1,000 SKUs, whose
// stock fits in the CPU caches: the difference to the 100,000-SKU run is
// the cost of cache misses on the stock records.
func BenchmarkPlaceOrderHot(b *testing.B) {
	for _, tc := range []struct{ min, max int }{{1, 1}, {1, 5}} {
		b.Run(fmt.Sprintf("lines=%d-%d", tc.min, tc.max), func(b *testing.B) { benchPlace(b, 1000, tc.min, tc.max) })
	}
}

// cpuMeter reports, per op, the thread's CPU time beside the wall clock
// (on a shared machine it does not count the time the benchmark waits for
// a core) and its page faults: a first write to a fresh page of memory
// costs a fault, tens of microseconds on a virtual machine, so a benchmark
// whose state grows can measure the kernel rather than the engine.
// startCPU locks the goroutine to its thread until report.
type cpuMeter struct {
	cpu, faults int64 // at the start, plus what excluded work used
	ok          bool
}

func startCPU() *cpuMeter {
	runtime.LockOSThread()
	cpu, faults, ok := threadUsage()
	return &cpuMeter{cpu, faults, ok}
}

// exclude runs f (work outside the timer, such as a reset) and leaves out
// what it used.
func (m *cpuMeter) exclude(f func()) {
	cpu0, faults0, _ := threadUsage()
	f()
	cpu1, faults1, _ := threadUsage()
	m.cpu += cpu1 - cpu0
	m.faults += faults1 - faults0
}

func (m *cpuMeter) report(b *testing.B) {
	cpu, faults, _ := threadUsage()
	runtime.UnlockOSThread()
	if m.ok && b.N > 0 {
		b.ReportMetric(float64(cpu-m.cpu)/float64(b.N), "cpu-ns/op")
		b.ReportMetric(float64(faults-m.faults)/float64(b.N), "faults/op")
	}
}

// BenchmarkATP measures availability queries: one SKU at one location plus
// its network ATP.
func BenchmarkATP(b *testing.B) {
	n := newBenchNet(b)
	keys := make([]struct {
		sku SKU
		loc LocationID
	}, 1<<16)
	for i := range keys {
		keys[i].sku, keys[i].loc = n.skus[n.r.IntN(benchSKUs)], LocationID(1+n.r.IntN(benchLocs))
	}
	var sink Qty
	b.ReportAllocs()
	cpu := startCPU()
	i := 0
	for b.Loop() {
		k := &keys[i&(len(keys)-1)]
		a, net, _ := n.e.ATP(k.sku, k.loc)
		sink += a + net
		i++
	}
	cpu.report(b)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "queries/s")
	_ = sink
}

// BenchmarkAvailability measures the full per-location availability view
// of a SKU (10 locations), which builds a result slice.
func BenchmarkAvailability(b *testing.B) {
	n := newBenchNet(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, ok := n.e.Availability(n.skus[(i*7919)%benchSKUs]); !ok {
			b.Fatal("unknown sku")
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "queries/s")
}

// BenchmarkStockUpdate measures stock commands through Apply: alternating
// adjustments (found/damage) and versioned absolute counts, each emitting
// its stock event with the network ATP.
func BenchmarkStockUpdate(b *testing.B) {
	n := newBenchNet(b)
	cmds := make([]Command, 1<<16)
	for i := range cmds {
		s := n.skus[n.r.IntN(benchSKUs)]
		si, _ := n.e.skuIndex(s)
		loc := n.e.skus[si].cells[n.r.IntN(benchCellsPerSKU)].locID
		switch i % 3 {
		case 0:
			cmds[i] = Command{Kind: CmdAdjustStock, SKU: s, Loc: loc, Qty: 1, Adjust: AdjustFound}
		case 1:
			cmds[i] = Command{Kind: CmdAdjustStock, SKU: s, Loc: loc, Qty: -1, Adjust: AdjustDamage}
		default:
			cmds[i] = Command{Kind: CmdSetStock, SKU: s, Loc: loc, Qty: 1_000_000_000}
		}
	}
	out := make([]Event, 0, 8)
	version := uint64(1)
	b.ReportAllocs()
	cpu := startCPU()
	i := 0
	for b.Loop() {
		c := &cmds[i&(len(cmds)-1)]
		if c.Kind == CmdSetStock {
			version++
			c.Version = version
		}
		out = n.e.Apply(c, 0, out[:0])
		i++
	}
	cpu.report(b)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "updates/s")
}

// BenchmarkLifecycle measures a whole one-line order life with retention
// on: place, release, ship, deliver, and (every 1,024 orders, one hour
// later) a tick that archives the orders closed two hours before and
// forgets the keys archived an hour before. Memory stays flat: the order
// arenas' held chunks are reported at the end.
func BenchmarkLifecycle(b *testing.B) {
	n := newBenchNet(b)
	cmds := n.orders(1, 1)
	ids := channelIDs()
	out := make([]Event, 0, 64)
	out = n.e.Apply(&Command{Kind: CmdSetRules, Rules: HoldRules{ReturnWindow: Hour}}, 0, out[:0])
	out = n.e.Apply(&Command{Kind: CmdSetRetention, Retention: Retention{ArchiveAfter: Hour, DedupWindow: Hour}}, 0, out[:0])
	var rel, ship, del Command
	ship.Lines = []LineInput{{Line: 1}}
	now, archived := int64(0), 0
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		c := &cmds[i%len(cmds)]
		c.ChannelOrderID = ids[i%benchWindow]
		out = n.e.Apply(c, now, out[:0])
		id := out[0].Order
		var loc LocationID
		for j := range out {
			if out[j].Kind == EvAllocated {
				loc = out[j].Loc
			}
		}
		rel = Command{Kind: CmdRelease, Order: id}
		out = n.e.Apply(&rel, now, out[:0])
		ship.Kind, ship.Order, ship.Loc, ship.Tracking, ship.Lines[0].Qty = CmdShip, id, loc, "T", c.Lines[0].Qty
		out = n.e.Apply(&ship, now, out[:0])
		del = Command{Kind: CmdDeliver, Order: id, Shipment: out[0].Shipment}
		out = n.e.Apply(&del, now, out[:0])
		i++
		if i%1024 == 0 {
			now += Hour
			out = n.e.Tick(now, out[:0])
			for j := range out {
				if out[j].Kind == EvArchived {
					archived++
				}
			}
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "orders/s")
	b.ReportMetric(float64(archived)/float64(b.N), "archived/order")
	b.ReportMetric(float64(n.e.ArchiveStats().OrderChunks), "order-chunks")
}
