package commerce

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// refPlan is the reference sourcer: it tries every subset of the candidate
// locations and keeps the best by (units filled desc, shipments, cost,
// priority, sorted ids). It is exponential and obviously right.
type refLoc struct {
	id   LocationID
	cost Money
	prio int64
	atp  []Qty // per line
}

func refBest(locs []refLoc, qty []Qty) (fill Qty, set []LocationID, cost Money, why Why) {
	type plan struct {
		fill Qty
		n    int
		cost Money
		prio int64
		ids  []LocationID
	}
	var plans []plan
	bestFill, bestN := Qty(-1), 0
	var bestCost Money
	var bestPrio int64
	var bestIDs []LocationID
	for mask := 0; mask < 1<<len(locs); mask++ {
		var f Qty
		for l, q := range qty {
			var a Qty
			for i := range locs {
				if mask&(1<<i) != 0 {
					a += locs[i].atp[l]
				}
			}
			f += min(a, q)
		}
		var c Money
		var p int64
		var ids []LocationID
		for i := range locs {
			if mask&(1<<i) != 0 {
				c += locs[i].cost
				p += locs[i].prio
				ids = append(ids, locs[i].id)
			}
		}
		slices.Sort(ids)
		n := bits.OnesCount(uint(mask))
		useful := true
		for i := range locs {
			if mask&(1<<i) != 0 && !slices.ContainsFunc(locs[i].atp, func(q Qty) bool { return q > 0 }) {
				useful = false
			}
		}
		if useful {
			plans = append(plans, plan{f, n, c, p, ids})
		}
		better := f > bestFill ||
			f == bestFill && (n < bestN || n == bestN && (c < bestCost || c == bestCost &&
				(p < bestPrio || p == bestPrio && slices.Compare(ids, bestIDs) < 0)))
		if better {
			bestFill, bestN, bestCost, bestPrio, bestIDs = f, n, c, p, ids
		}
	}
	// The runner-up: the next plan in order among those filling as much
	// with no location that serves nothing.
	why = WhyOnly
	for _, q := range plans {
		if q.fill != bestFill || slices.Equal(q.ids, bestIDs) || q.n == 0 {
			continue
		}
		w := WhyShipments
		switch {
		case q.n > bestN:
		case q.cost != bestCost:
			w = WhyCost
		case q.prio != bestPrio:
			w = WhyPriority
		default:
			w = WhyLowestID
		}
		why = max(why, w)
	}
	return bestFill, bestIDs, bestCost, why
}

// TestSourcingMatchesReference compares the exact search with the
// reference on random small networks.
func TestSourcingMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(42, 42))
	shipTo := Coord{Lat: 48856600, Lon: 2352200}
	for trial := range 3000 {
		e := New()
		var out []Event
		nLoc, nLine := 1+r.IntN(7), 1+r.IntN(5)
		var locs []refLoc
		for i := range nLoc {
			def := Location{ID: LocationID(10 + r.IntN(90)), Kind: Warehouse, Ships: true, Active: true,
				At:              Coord{Lat: MicroDeg(43e6 + r.IntN(7e6)), Lon: MicroDeg(-1e6 + r.IntN(7e6))},
				CostPerShipment: Money(r.IntN(3) * 100), CostPerKm: Money(r.IntN(2)), Priority: int32(r.IntN(3))}
			if _, dup := e.locByID[def.ID]; dup {
				continue
			}
			_ = i
			out = e.Apply(&Command{Kind: CmdSetLocation, Location: def}, 0, out[:0])
			km := distanceKm(def.At, shipTo)
			locs = append(locs, refLoc{id: def.ID, cost: def.CostPerShipment + def.CostPerKm*Money(km),
				prio: int64(def.Priority), atp: make([]Qty, nLine)})
		}
		c := Command{Kind: CmdPlaceOrder, Channel: Web, ChannelOrderID: "x", Customer: "c",
			ShipTo: shipTo, Payment: PaymentAuthorised}
		qty := make([]Qty, nLine)
		for l := range nLine {
			sku := SKU(fmt.Sprint("S", l))
			qty[l] = Qty(1 + r.IntN(4))
			c.Lines = append(c.Lines, LineInput{SKU: sku, Qty: qty[l], UnitPrice: 1, Currency: "EUR"})
			for i := range locs {
				q := Qty(r.IntN(4))
				if r.IntN(2) == 0 {
					q = 0
				}
				locs[i].atp[l] = q
				out = e.Apply(&Command{Kind: CmdSetStock, SKU: sku, Loc: locs[i].id, Qty: q, Version: 1}, 0, out[:0])
			}
		}
		out = e.Apply(&c, 0, out[:0])
		var fill Qty
		var got []LocationID
		var plan PlanScore
		for _, ev := range out {
			if ev.Kind == EvAllocated {
				fill += ev.Qty
				plan = ev.Plan
				if !slices.Contains(got, ev.Loc) {
					got = append(got, ev.Loc)
				}
			}
		}
		slices.Sort(got)
		wantFill, want, wantCost, wantWhy := refBest(locs, qty)
		require.Equal(t, wantFill, fill, "trial %d fill", trial)
		require.Equal(t, want, got, "trial %d locations", trial)
		if len(got) > 0 {
			require.Equal(t, wantCost, plan.Cost, "trial %d cost", trial)
			require.True(t, plan.Exact)
			if oneComponent(locs, nLine) {
				require.Equal(t, wantWhy, plan.Why, "trial %d why", trial)
			}
		}
		require.NoError(t, e.CheckInvariants())
	}
}

// TestSourcingGreedyFallback: a component with more lines than the exact
// bound is covered greedily, fills everything it can, and says so.
func TestSourcingGreedyFallback(t *testing.T) {
	e := New()
	var out []Event
	for id := LocationID(1); id <= 3; id++ {
		out = e.Apply(&Command{Kind: CmdSetLocation, Location: Location{ID: id, Kind: Warehouse,
			Ships: true, Active: true, CostPerShipment: Money(id)}}, 0, out[:0])
	}
	c := Command{Kind: CmdPlaceOrder, Channel: Web, ChannelOrderID: "big", Customer: "c", Payment: PaymentAuthorised}
	for l := range maxExactLines + 4 {
		sku := SKU(fmt.Sprint("G", l))
		// Every SKU at location 1 and 2 (connecting all lines), some at 3.
		for id := LocationID(1); id <= 3; id++ {
			if id == 3 && l%2 == 1 {
				continue
			}
			out = e.Apply(&Command{Kind: CmdSetStock, SKU: sku, Loc: id, Qty: 1, Version: 1}, 0, out[:0])
		}
		c.Lines = append(c.Lines, LineInput{SKU: sku, Qty: 2, UnitPrice: 1, Currency: "EUR"})
	}
	out = e.Apply(&c, 0, out[:0])
	var fill Qty
	for _, ev := range out {
		if ev.Kind == EvAllocated {
			fill += ev.Qty
			require.False(t, ev.Plan.Exact)
		}
		require.NotEqual(t, EvBackordered, ev.Kind)
	}
	require.Equal(t, Qty(2*(maxExactLines+4)), fill)
	require.NoError(t, e.CheckInvariants())
}

func TestDistanceSymmetric(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 10000 {
		a := Coord{Lat: MicroDeg(r.IntN(180e6) - 90e6), Lon: MicroDeg(r.IntN(360e6) - 180e6)}
		b := Coord{Lat: MicroDeg(r.IntN(180e6) - 90e6), Lon: MicroDeg(r.IntN(360e6) - 180e6)}
		require.Equal(t, distanceKm(a, b), distanceKm(b, a))
		require.GreaterOrEqual(t, distanceKm(a, b), int32(0))
	}
	require.Equal(t, int32(0), distanceKm(Coord{}, Coord{}))
}

// oneComponent reports whether the stocked lines form one component (two
// lines are connected when a location stocks both).
func oneComponent(locs []refLoc, nLine int) bool {
	parent := make([]int, nLine)
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(x int) int {
		for parent[x] != x {
			x = parent[x]
		}
		return x
	}
	stocked := make([]bool, nLine)
	for _, l := range locs {
		first := -1
		for i, q := range l.atp {
			if q > 0 {
				stocked[i] = true
				if first < 0 {
					first = i
				} else {
					parent[find(i)] = find(first)
				}
			}
		}
	}
	root := -1
	for i := range nLine {
		if !stocked[i] {
			continue
		}
		if root < 0 {
			root = find(i)
		} else if find(i) != root {
			return false
		}
	}
	return true
}

// TestBenchNetworkExact: on the benchmark's network shape (100 locations,
// each SKU at 10 of them), orders of 1 to 5 lines are all solved exactly,
// within the search budget.
func TestBenchNetworkExact(t *testing.T) {
	n := newBenchNetSize(t, 2000)
	cmds := n.orders(1, 5)
	var out []Event
	maxNodes := 0
	for i := range 3000 {
		c := &cmds[i]
		c.ChannelOrderID = fmt.Sprint("x", i)
		out = n.e.Apply(c, 0, out[:0])
		o := at(&n.e.orders, n.e.orders.len()-1)
		require.True(t, o.plan.Exact, "order %d: %d lines", o.id, len(c.Lines))
		maxNodes = max(maxNodes, n.e.src.nodes)
	}
	t.Logf("most search nodes for one component: %d (budget %d)", maxNodes, maxSearchNodes)
}

// TestBuildIndexSparseMatchesDense: the triple-driven index (orders of up
// to 64 lines) equals the matrix-driven one on the state of real
// placements.
func TestBuildIndexSparseMatchesDense(t *testing.T) {
	n := newBenchNetSize(t, 300)
	n.e.src.general = true // every order through gather, one-line ones too
	cmds := n.orders(1, 8)
	var out []Event
	for i := range 2000 {
		c := &cmds[i]
		c.ChannelOrderID = fmt.Sprint("x", i)
		out = n.e.Apply(c, 0, out[:0])
		s := &n.e.src
		s.buildIndex()
		lm, sm := slices.Clone(s.lmask), slices.Clone(s.smask)
		off, list := slices.Clone(s.lcOff), slices.Clone(s.lcList[:s.lcOff[len(s.req)]])
		roots := make([]int32, len(s.req))
		for l := range roots {
			roots[l] = s.find(int32(l))
		}
		s.buildIndexDense()
		require.Equal(t, off, s.lcOff, "order %d", i)
		require.Equal(t, list, s.lcList, "order %d", i)
		for l := range roots {
			require.Equal(t, roots[l], s.find(int32(l)), "order %d line %d", i, l)
		}
		require.Equal(t, lm, s.lmask, "order %d", i)
		require.Equal(t, sm, s.smask, "order %d", i)
	}
}

// TestFastPathsMatchGeneral drives the same random streams through an
// engine with the sourcing fast paths and one without: every command must
// give identical events.
func TestFastPathsMatchGeneral(t *testing.T) {
	for seed := uint64(1); seed <= 60; seed++ {
		data := seededBytes(seed, 6000)
		fast, slow := New(), New()
		slow.src.general = true
		ga, gb := &gen{src: &byteSource{b: data}}, &gen{src: &byteSource{b: data}}
		var ca, cb Command
		var outA, outB []Event
		for i := 0; !ga.src.done(); i++ {
			ta, tb := ga.next(&ca), gb.next(&cb)
			require.Equal(t, ta, tb)
			if ta {
				outA, outB = fast.Tick(ga.now, outA[:0]), slow.Tick(gb.now, outB[:0])
			} else {
				outA, outB = fast.Apply(&ca, ga.now, outA[:0]), slow.Apply(&cb, gb.now, outB[:0])
			}
			require.Equal(t, outB, outA, "seed %d command %d (%s)", seed, i, ca.Kind)
		}
		require.Equal(t, digest(slow), digest(fast), "seed %d", seed)
	}
}

// TestSortPackedMatchesInsertion sorts random candidate sets, with many
// ties in cost and priority and some fields too wide to pack, both ways.
func TestSortPackedMatchesInsertion(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for trial := range 2000 {
		var cands []candidate
		ids := r.Perm(300)
		for i := range 1 + r.IntN(60) {
			id := LocationID(1 + ids[i])
			if trial%10 == 0 && i == 0 {
				id = 1<<packIDBits + LocationID(r.IntN(100)) // too wide: the fallback
			}
			prio := int64(r.IntN(3))
			cands = append(cands, candidate{loc: int32(i), id: id, cost: Money(r.IntN(5) * 100), prio: prio,
				rank: prio<<32 | int64(id)})
		}
		sortBoth := func(general bool) ([]candidate, []int32) {
			e := New()
			e.src.general = general
			e.src.cands = slices.Clone(cands)
			e.sortCands()
			return slices.Clone(e.src.cands), slices.Clone(e.src.perm)
		}
		wantC, wantP := sortBoth(true)
		gotC, gotP := sortBoth(false)
		require.Equal(t, wantC, gotC, "trial %d", trial)
		require.Equal(t, wantP, gotP, "trial %d", trial)
	}
}

// TestKmAtLeast: the latitude-only bound never exceeds the distance, on
// random pairs anywhere (poles and the antimeridian included) and near
// each other.
func TestKmAtLeast(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	pt := func() Coord {
		return Coord{Lat: MicroDeg(r.IntN(180e6+1) - 90e6), Lon: MicroDeg(r.IntN(360e6+1) - 180e6)}
	}
	for i := range 200_000 {
		a := pt()
		b := pt()
		if i%2 == 0 {
			b = Coord{Lat: a.Lat + MicroDeg(r.IntN(2001)-1000), Lon: a.Lon + MicroDeg(r.IntN(2001)-1000)}
			if !b.Valid() {
				continue
			}
		}
		lb := kmAtLeast(int64(a.Lat) - int64(b.Lat))
		require.LessOrEqual(t, lb, distanceKm(a, b), "%v %v", a, b)
		require.LessOrEqual(t, lb, distanceKm(b, a), "%v %v", b, a)
	}
	// On one meridian the bound is the distance, but for a km and the
	// Newton step's excess (below 0.05%).
	for range 10_000 {
		a := pt()
		b := Coord{Lat: MicroDeg(r.IntN(180e6+1) - 90e6), Lon: a.Lon}
		d := distanceKm(a, b)
		require.InDelta(t, d, kmAtLeast(int64(a.Lat)-int64(b.Lat)), 1+float64(d)/2000, "%v %v", a, b)
	}
	for _, dy := range []int64{0, 1, 2, 3, 10_000, 180e6} {
		a, b := Coord{Lat: -90e6}, Coord{Lat: MicroDeg(-90e6 + dy)}
		require.LessOrEqual(t, kmAtLeast(dy), distanceKm(a, b), "dy %d", dy)
	}
}

// TestCosDegMonotone: cosDeg never increases with |lat|, which
// kmAtLeastFrom's proof needs. It depends on |lat| only through
// (90e6-|lat|)/1000, constant on (lat-1000, lat] for lat a multiple of
// 1000, so stepping by 1000 covers every value it takes.
func TestCosDegMonotone(t *testing.T) {
	prev := cosDeg(0)
	require.Equal(t, int64(cosOne), prev)
	for lat := MicroDeg(1000); lat <= 90e6; lat += 1000 {
		c := cosDeg(lat)
		require.LessOrEqual(t, c, prev, "lat %d", lat)
		require.Equal(t, c, cosDeg(-lat), "lat %d", lat)
		require.Equal(t, c, cosDeg(lat-999), "lat %d: same step", lat)
		prev = c
	}
	require.Zero(t, cosDeg(90e6))
}

// TestKmAtLeastFrom: the two-leg bound never exceeds the distance, on
// random pairs anywhere (poles and the antimeridian included), near each
// other, and on one parallel, where it is close to the distance.
func TestKmAtLeastFrom(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	pt := func() Coord {
		return Coord{Lat: MicroDeg(r.IntN(180e6+1) - 90e6), Lon: MicroDeg(r.IntN(360e6+1) - 180e6)}
	}
	tighter := 0
	for i := range 300_000 {
		a := pt()
		b := pt()
		switch i % 3 {
		case 1:
			b = Coord{Lat: a.Lat + MicroDeg(r.IntN(2_000_001)-1_000_000), Lon: a.Lon + MicroDeg(r.IntN(2_000_001)-1_000_000)}
		case 2:
			b = Coord{Lat: a.Lat, Lon: MicroDeg(r.IntN(360e6+1) - 180e6)}
		}
		if !b.Valid() {
			continue
		}
		ca, cb := cosDeg(a.Lat), cosDeg(b.Lat)
		lb := kmAtLeastFrom(a, b, ca, cb)
		require.LessOrEqual(t, lb, distanceKm(a, b), "%v %v", a, b)
		require.Equal(t, lb, kmAtLeastFrom(b, a, cb, ca), "%v %v: symmetric", a, b)
		require.GreaterOrEqual(t, lb, kmAtLeast(int64(a.Lat)-int64(b.Lat)), "%v %v: no looser than kmAtLeast", a, b)
		if lb > kmAtLeast(int64(a.Lat)-int64(b.Lat)) {
			tighter++
		}
	}
	require.Greater(t, tighter, 100_000, "the east-west leg tightens the bound")
}
