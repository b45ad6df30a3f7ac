package commerce

// Sourcing chooses where each unit of an order ships from.
//
// The plan first fills as many units as the candidate locations can (a line
// may split across locations unless the order is ship-complete); among the
// plans that do, it takes the fewest shipments (locations), then the lowest
// total cost (the sum over its locations of CostPerShipment + CostPerKm x km,
// see geo.go for km), then the lowest sum of location priorities, then the
// lexicographically lowest sorted list of location ids.
//
// The search is exact. Lines are split into independent components (two
// lines are connected when some candidate location stocks both); a plan's
// shipments, cost and priority are sums over components and components use
// disjoint locations, so the best plan is the union of each component's best.
// Each component is solved by iterative deepening on the number of shipments
// with branch and bound: branch on the uncovered line with the fewest usable
// candidates, over those candidates (cheapest first); a candidate skipped in
// one branch is excluded from its later siblings, so every location set is
// visited at most once; a branch is cut when its cost exceeds the runner-up's
// (it can hold neither the best plan nor the runner-up, which the Why
// needs), when its usable stock cannot cover a line, or when the locations
// left cannot serve the uncovered lines. Candidates that alone cover every
// line they serve and serve the same lines are interchangeable: only the
// cheapest of such twins is searched.
//
// Bound and fallback: a component of more than maxExactLines lines, or one
// whose search visits more than maxSearchNodes nodes, is solved greedily
// instead (repeatedly take the location covering the most remaining units,
// ties by cost, priority and id, then drop, most expensive first, each pick
// the others cover); the plan's Exact flag then reads false. Whatever the
// path, the plan's score counts the locations its allocations use.
// Orders of up to 5 lines over the ~10 stocking locations per SKU of a
// typical network finish in well under the budget.
const (
	maxExactLines  = 16
	maxSearchNodes = 50_000
)

// lineReq is one order line as sourcing sees it.
type lineReq struct {
	sku    int32
	qty    Qty
	resLoc int32 // the reservation's location index, or -1
}

// assignment is one allocation of a plan.
type assignment struct {
	line int32 // index into the request
	loc  int32
	ci   int32 // the cell's index in the SKU's cells, or -1
	qty  Qty
	km   int32
	why  Why
}

type candidate struct {
	loc    int32
	id     LocationID
	cost   Money
	prio   int64
	rank   int64 // prio<<32 | id: (priority, id) as one comparable number
	km     int32
	forced bool
}

// less orders candidates by (cost, priority, id). A location's priority is
// an int32, so rank orders (priority, id) exactly.
func (a *candidate) less(b *candidate) bool {
	return a.cost < b.cost || a.cost == b.cost && a.rank < b.rank
}

type triple struct {
	cand int32
	line int32
	ci   int32 // the cell's index in its SKU's cells
	atp  Qty
}

type planRec struct {
	found bool
	set   []int32 // candidate indexes sorted by location id
	cost  Money
	prio  int64
}

// sourcer is the scratch space of one sourcing run, reused across orders so
// that steady-state placement allocates nothing.
type sourcer struct {
	req      []lineReq
	skuOf    []int32 // per line of the command: its SKU's index, or -1 (resolveSKUs)
	cands    []candidate
	sorted   []candidate // sortCands' spare buffer
	keys     []sortKey   // sortCands' keys
	packed   []uint64    // sortPacked's keys
	slot     []int32     // per location index: candidate index + 1; cleared after each run
	trip     []triple
	perm     []int32
	idx      []int32
	avail    []Qty   // avail[c*nl+l]: ATP of line l's SKU at candidate c, capped at the line qty
	cix      []int32 // cix[c*nl+l]: the index of that cell in the SKU's cells
	need     []Qty
	rem      []Qty
	lcOff    []int32 // CSR of candidates per line, in candidate order
	lcList   []int32
	parent   []int32 // union-find over lines
	first    []int32 // buildIndex's per-candidate first line
	comp     []int32 // lines of the current component
	inPlan   []bool
	used     []bool // assign's: the candidates its allocations take from
	excl     []bool
	exStack  []int32
	cc       []int32  // the current component's distinct candidates
	shadow   []Why    // per candidate: what its best twin lost on
	ccMask   []uint64 // the lines each kept twin serves
	lineTwin []int32  // per line: the kept twin serving only that line, or -1
	compMask uint64   // the current component's lines (orders of up to 64 lines)
	ucnt     []int32  // per line: usable candidates in the current search state
	uqty     []Qty    // per line: their units
	lmask    []uint64 // per candidate: the lines it serves (orders of up to 64 lines)
	smask    []uint64 // per candidate: the lines it covers alone
	maxTouch int
	chosen   []int32
	best     planRec
	second   planRec
	pruned   bool
	nodes    int
	aborted  bool

	compWhy []Why // per line: the why of the line's component
	exact   bool
	// unreserve says the plan backorders the reserved lines too (a
	// ship-complete order its reservation's location cannot complete).
	unreserve bool
	assigns   []assignment
	back      []Qty // per line: backordered units
	score     PlanScore
	bounds    []costBound // sourceOne's covering locations
	// warm is a sink for loads issued early so that the cache misses of
	// several lines overlap (see resolveSKUs and warmCells); never read.
	warm Qty
	// general turns the fast paths off (tests compare them with the
	// general path).
	general bool
}

func growQty(s []Qty, n int) []Qty {
	if cap(s) < n {
		return make([]Qty, n, n+n/2)
	}
	s = s[:n]
	clear(s)
	return s
}

func growI32(s []int32, n int) []int32 {
	if cap(s) < n {
		return make([]int32, n, n+n/2)
	}
	s = s[:n]
	clear(s)
	return s
}

func growBool(s []bool, n int) []bool {
	if cap(s) < n {
		return make([]bool, n, n+n/2)
	}
	s = s[:n]
	clear(s)
	return s
}

// shipEligible reports whether a location can ship an order to an address.
func (l *Location) shipEligible() bool {
	if !l.Active {
		return false
	}
	if l.Kind == Store {
		return l.ShipFromStore
	}
	return l.Ships
}

// takesPickups reports whether a location serves pickup orders: it is an
// active pickup store.
func (l *Location) takesPickups() bool { return l.Active && l.Pickup }

// serves reports whether location loc may serve an order with pickup store
// pickup (or -1, a shipping order), capacity aside: a pickup order only at
// its store while it takes pickups, a shipping order at any location that
// ships (shipEligible). It is the one eligibility rule of sourcing,
// reservations, backorder fills and promises; each adds the day's capacity
// as it needs (sourcing and reservations always, a fill only for a new
// shipment, a promise by date).
func (e *Engine) serves(loc, pickup int32) bool {
	d := &e.locs[loc].def
	if pickup >= 0 {
		return loc == pickup && d.takesPickups()
	}
	return d.shipEligible()
}

// addCand returns the candidate index of location loc, adding it.
func (e *Engine) addCand(loc int32, shipTo Coord, pickup bool, forced bool) int32 {
	s := &e.src
	if k := s.slot[loc]; k > 0 {
		if forced {
			s.cands[k-1].forced = true
		}
		return k - 1
	}
	d := &e.locs[loc].def
	var km int32
	if !pickup {
		km = distanceKm(d.At, shipTo)
	}
	c := newCandidate(loc, d, km)
	c.forced = forced
	s.cands = append(s.cands, c)
	s.slot[loc] = int32(len(s.cands))
	return int32(len(s.cands) - 1)
}

// source computes the plan for s.req into s.assigns, s.back and s.score.
func (e *Engine) source(pickup int32, shipTo Coord, shipComplete bool) {
	s := &e.src
	nl := len(s.req)
	s.cands = s.cands[:0]
	s.trip = s.trip[:0]
	s.assigns = s.assigns[:0]
	s.exact = true
	s.unreserve = false
	if len(s.slot) < len(e.locs) {
		s.slot = make([]int32, len(e.locs)+16)
	}
	s.back = growQty(s.back, nl)
	if !s.general && nl == 1 && !shipComplete && pickup < 0 && s.req[0].resLoc < 0 && e.sourceOne(shipTo) {
		return
	}
	s.compWhy = s.compWhy[:0]
	for range nl {
		s.compWhy = append(s.compWhy, WhyOnly)
	}
	e.gather(pickup, shipTo)
	for i := range s.cands {
		s.slot[s.cands[i].loc] = 0
	}
	e.sortCands()
	nc := len(s.cands)
	s.avail = growQty(s.avail, nc*nl)
	s.cix = growI32(s.cix, nc*nl)
	for _, t := range s.trip {
		s.cix[int(s.perm[t.cand])*nl+int(t.line)] = t.ci
		c := s.perm[t.cand]
		q := t.atp
		if q > s.req[t.line].qty {
			q = s.req[t.line].qty
		}
		s.avail[int(c)*nl+int(t.line)] = q
	}
	s.inPlan = growBool(s.inPlan, nc)
	s.excl = growBool(s.excl, nc)
	for c := range s.cands {
		if s.cands[c].forced {
			s.inPlan[c] = true
		}
	}
	switch {
	case shipComplete:
		e.planComplete(pickup >= 0)
	case pickup >= 0:
		for i := range s.compWhy {
			s.compWhy[i] = WhyPickup
		}
		for c := range s.cands {
			s.inPlan[c] = true
		}
	default:
		e.planSplit()
	}
	e.assign(pickup >= 0)
}

// gather collects the candidate locations and their ATP per line.
func (e *Engine) gather(pickup int32, shipTo Coord) {
	s := &e.src
	for l := range s.req {
		r := &s.req[l]
		if r.resLoc >= 0 {
			// NB: validateLine checked this location as the loop below
			// checks the others (reservationServes), so the lines that
			// follow may skip the check there.
			e.addCand(r.resLoc, shipTo, pickup >= 0, true)
			continue
		}
		for i, cl := range e.skus[r.sku].hot {
			if pickup >= 0 && cl.loc != pickup {
				continue
			}
			a := cl.atp
			if a <= 0 {
				continue
			}
			if s.slot[cl.loc] == 0 && (!e.serves(cl.loc, pickup) || !e.capacityLeft(cl.loc)) {
				continue
			}
			c := e.addCand(cl.loc, shipTo, pickup >= 0, false)
			s.trip = append(s.trip, triple{cand: c, line: int32(l), ci: int32(i), atp: a})
		}
	}
}

// sourceOne is the plan of a one-line shipping order, without
// reservation, when one location can fill all the line's fillable units:
// the general path's answer, found in one pass over the SKU's locations.
// It reports false, leaving no trace, when the line needs a split, for the
// general path to solve.
//
// The fillable units are min(qty, total ATP). If some location holds the
// whole qty, the plan is the best of those in (cost, priority, id) order
// and the runner-up is the next; if none does, one location covers the
// fill only when it is the only candidate. Only covering locations need a
// cost, and only those whose cost lower bound (kmAtLeastFrom, no division)
// does not exceed the runner-up's: the others' distances are not computed.
func (e *Engine) sourceOne(shipTo Coord) bool {
	s := &e.src
	r := &s.req[0]
	s.cands = s.cands[:0]
	s.inPlan = s.inPlan[:0]
	var best, second candidate
	bestCI := int32(-1)
	haveSecond := false
	var n int32
	var only hotCell
	onlyCI := -1
	hot := e.skus[r.sku].hot
	shipCos := cosDeg(shipTo.Lat)
	covering := s.bounds[:0]
	for i, cl := range hot {
		if cl.atp <= 0 {
			continue
		}
		l := &e.locs[cl.loc]
		d := &l.def
		if !d.shipEligible() || !e.capacityLeft(cl.loc) {
			continue
		}
		n++
		if cl.atp < r.qty {
			only, onlyCI = cl, i
			continue
		}
		covering = append(covering, costBound{lb: d.shipCost(kmAtLeastFrom(d.At, shipTo, int64(l.cosLat), shipCos)), ci: int32(i)})
	}
	// Cheapest bound first: once the runner-up costs less than the next
	// bound, no location left can be best or runner-up. (The top two do
	// not depend on the order they are met in: keys are unique.)
	for i := 1; i < len(covering); i++ {
		v := covering[i]
		j := i
		for ; j > 0 && v.lb < covering[j-1].lb; j-- {
			covering[j] = covering[j-1]
		}
		covering[j] = v
	}
	for _, b := range covering {
		if haveSecond && b.lb > second.cost {
			break
		}
		cl := hot[b.ci]
		d := &e.locs[cl.loc].def
		c := newCandidate(cl.loc, d, distanceKm(d.At, shipTo))
		switch {
		case bestCI < 0:
			best, bestCI = c, b.ci
		case c.less(&best):
			best, second, haveSecond, bestCI = c, best, true, b.ci
		case !haveSecond || c.less(&second):
			second, haveSecond = c, true
		}
	}
	s.bounds = covering[:0]
	need := r.qty
	why := WhyOnly
	switch {
	case bestCI >= 0:
		if haveSecond {
			why = whyOf(&best, &second)
		} else if n > 1 {
			why = WhyShipments
		}
	case n == 0:
		need = 0
	case n == 1:
		// The only candidate holds less than the line: it fills what it
		// has, the rest is backordered.
		d := &e.locs[only.loc].def
		best = newCandidate(only.loc, d, distanceKm(d.At, shipTo))
		bestCI, need = int32(onlyCI), only.atp
	default:
		return false
	}
	s.assigns = s.assigns[:0]
	s.back[0] = r.qty - need
	s.exact = true
	if need == 0 {
		s.score = PlanScore{Exact: true}
		return true
	}
	// applyPlan reads the plan's locations from cands and inPlan.
	s.cands = append(s.cands, best)
	s.inPlan = append(s.inPlan, true)
	s.assigns = append(s.assigns, assignment{line: 0, loc: best.loc, ci: bestCI, qty: need, km: best.km, why: why})
	s.score = PlanScore{Shipments: 1, Cost: best.cost, Priority: best.prio, Candidates: n, Exact: true}
	return true
}

// costBound is a location's cost lower bound; ci is its cell's index.
type costBound struct {
	lb Money
	ci int32
}

// warmCells loads a word of each cell the plan allocates at, before
// applyPlan updates them: as in resolveSKUs, so that their misses overlap
// each other and the order's bookkeeping instead of following one another.
func (e *Engine) warmCells() {
	s := &e.src
	var w Qty
	for i := range s.assigns {
		a := &s.assigns[i]
		if a.ci >= 0 {
			w += e.skus[s.req[a.line].sku].cells[a.ci].onHand
		}
	}
	s.warm += w
}

// newCandidate is location loc, defined by d, km from the ship-to address.
func newCandidate(loc int32, d *Location, km int32) candidate {
	return candidate{loc: loc, id: d.ID, km: km, prio: int64(d.Priority),
		rank: int64(d.Priority)<<32 | int64(d.ID), cost: d.shipCost(km)}
}

// shipCost is the cost of one shipment from the location over km.
func (l *Location) shipCost(km int32) Money { return l.CostPerShipment + l.CostPerKm*Money(km) }

// sortKey is a candidate's sort key, copied out so that the insertion
// sort moves 24-byte keys in one array instead of chasing indexes.
type sortKey struct {
	cost Money
	rank int64
	i    int32
}

// sortCands orders candidates by (cost, priority, id) and records the
// permutation from gathering order (n is small: an insertion sort), then
// moves each candidate once. Keys are unique (rank holds the id).
func (e *Engine) sortCands() {
	s := &e.src
	n := len(s.cands)
	s.perm = growI32(s.perm, n)
	if !s.general && e.sortPacked() {
		return
	}
	keys := s.keys[:0]
	for i := range s.cands {
		keys = append(keys, sortKey{cost: s.cands[i].cost, rank: s.cands[i].rank, i: int32(i)})
	}
	for i := 1; i < n; i++ {
		v := keys[i]
		j := i
		for ; j > 0 && (v.cost < keys[j-1].cost || v.cost == keys[j-1].cost && v.rank < keys[j-1].rank); j-- {
			keys[j] = keys[j-1]
		}
		keys[j] = v
	}
	s.sorted = s.sorted[:0]
	for newI, k := range keys {
		s.perm[k.i] = int32(newI)
		s.sorted = append(s.sorted, s.cands[k.i])
	}
	s.cands, s.sorted = s.sorted, s.cands
	s.keys = keys[:0]
}

// Packed sort keys: (cost, priority, id, index) in one uint64, in that
// order from the top bits, when every field fits its width.
const (
	packIdxBits  = 8
	packIDBits   = 24
	packPrioBits = 8
	packCostBits = 64 - packPrioBits - packIDBits - packIdxBits
)

// sortPacked is sortCands for the usual network, where every candidate's
// cost, priority and id are small: each key packs into one integer whose
// order is (cost, priority, id) order (ids are unique, so the index in the
// low bits never decides), and a sort of integers beats an insertion sort
// of two-field keys. It reports false, doing nothing, when some field does
// not fit.
func (e *Engine) sortPacked() bool {
	s := &e.src
	n := len(s.cands)
	if n > 1<<packIdxBits {
		return false
	}
	keys := s.packed[:0]
	for i := range s.cands {
		c := &s.cands[i]
		if uint64(c.cost) >= 1<<packCostBits || uint64(c.prio) >= 1<<packPrioBits || uint64(c.id) >= 1<<packIDBits {
			s.packed = keys[:0]
			return false
		}
		keys = append(keys, uint64(c.cost)<<(64-packCostBits)|uint64(c.prio)<<(packIDBits+packIdxBits)|
			uint64(c.id)<<packIdxBits|uint64(i))
	}
	// n is small: an insertion sort.
	for i := 1; i < len(keys); i++ {
		v := keys[i]
		j := i
		for ; j > 0 && v < keys[j-1]; j-- {
			keys[j] = keys[j-1]
		}
		keys[j] = v
	}
	s.sorted = s.sorted[:0]
	for newI, k := range keys {
		i := k & (1<<packIdxBits - 1)
		s.perm[i] = int32(newI)
		s.sorted = append(s.sorted, s.cands[i])
	}
	s.cands, s.sorted = s.sorted, s.cands
	s.packed = keys[:0]
	return true
}

// planComplete picks the single cheapest location that can ship every line
// in full, the reservations' location if the order has reservations (they
// are all at one, validateLine). With none, every line is backordered, the
// reserved ones too: nothing of a ship-complete order is allocated until
// one location can fill all of it, and a backorder holds no stock, so the
// reservations, consumed by the order, return their units to ATP
// (placeOrder).
func (e *Engine) planComplete(pickup bool) {
	s := &e.src
	nl := len(s.req)
	first, covering := -1, 0
	forced := -1
	for c := range s.cands {
		if s.cands[c].forced {
			forced = c
		}
	}
	for c := range s.cands {
		if forced >= 0 && c != forced {
			continue
		}
		ok := true
		for l := range s.req {
			if s.req[l].resLoc < 0 && s.avail[c*nl+l] < s.req[l].qty {
				ok = false
				break
			}
		}
		if ok {
			covering++
			if first < 0 {
				first = c
			}
		}
	}
	for c := range s.cands {
		s.inPlan[c] = c == first || c == forced
	}
	why := WhyOnly
	switch {
	case pickup:
		why = WhyPickup
	case forced >= 0:
		why = WhyReservation
	case covering > 1:
		why = e.whyBetween(first, e.nextCovering(first))
	}
	for i := range s.compWhy {
		s.compWhy[i] = why
	}
	if first < 0 {
		clear(s.inPlan)
		clear(s.avail)
		s.unreserve = true
	}
}

// nextCovering returns the runner-up single location of a ship-complete plan.
func (e *Engine) nextCovering(first int) int {
	s := &e.src
	nl := len(s.req)
	for c := first + 1; c < len(s.cands); c++ {
		ok := true
		for l := range s.req {
			if s.avail[c*nl+l] < s.req[l].qty {
				ok = false
				break
			}
		}
		if ok {
			return c
		}
	}
	return first
}

func (e *Engine) whyBetween(a, b int) Why {
	return whyOf(&e.src.cands[a], &e.src.cands[b])
}

// assign turns the chosen locations into allocations, line by line, taking
// from the plan's locations in (cost, priority, id) order. The plan's score
// counts the locations that the allocations use, so that it describes the
// plan carried out even where a chosen location gives nothing.
func (e *Engine) assign(pickup bool) {
	s := &e.src
	nl := len(s.req)
	var shipments int32
	var cost Money
	var prio int64
	s.used = growBool(s.used, len(s.cands))
	use := func(c int) {
		if !s.used[c] {
			s.used[c] = true
			shipments++
			cost += s.cands[c].cost
			prio += s.cands[c].prio
		}
	}
	for l := range s.req {
		r := &s.req[l]
		if r.resLoc >= 0 && !s.unreserve {
			c := e.candOf(r.resLoc)
			use(c)
			s.assigns = append(s.assigns, assignment{line: int32(l), loc: r.resLoc, ci: -1, qty: r.qty,
				km: s.cands[c].km, why: WhyReservation})
			continue
		}
		left := r.qty
		for c := range s.cands {
			if left == 0 {
				break
			}
			a := s.avail[c*nl+l]
			if !s.inPlan[c] || a == 0 {
				continue
			}
			if a > left {
				a = left
			}
			left -= a
			use(c)
			s.assigns = append(s.assigns, assignment{line: int32(l), loc: s.cands[c].loc, ci: s.cix[c*nl+l], qty: a,
				km: s.cands[c].km, why: s.compWhy[l]})
		}
		s.back[l] = left
	}
	s.score = PlanScore{Shipments: shipments, Cost: cost, Priority: prio,
		Candidates: int32(len(s.cands)), Exact: s.exact}
}

func (e *Engine) candOf(loc int32) int {
	for c := range e.src.cands {
		if e.src.cands[c].loc == loc {
			return c
		}
	}
	return 0
}
