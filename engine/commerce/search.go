package commerce

import "math/bits"

// planSplit chooses the locations of a splittable shipping order: see the
// comment at the top of source.go.
func (e *Engine) planSplit() {
	s := &e.src
	nl := len(s.req)
	s.need = growQty(s.need, nl)
	s.rem = growQty(s.rem, nl)
	// Every non-zero ATP entry comes from a gathered triple: sum over those
	// (need holds each line's total and rem its reserved part for now).
	for _, t := range s.trip {
		c := s.perm[t.cand]
		a := s.avail[int(c)*nl+int(t.line)]
		s.need[t.line] += a
		if s.cands[c].forced {
			s.rem[t.line] += a
		}
	}
	for l := range s.req {
		if s.req[l].resLoc >= 0 {
			s.need[l], s.rem[l] = 0, 0
			continue
		}
		tot, forced := s.need[l], s.rem[l]
		s.need[l] = min(tot, s.req[l].qty)
		s.rem[l] = max(0, s.need[l]-forced)
		if s.rem[l] == 0 && forced > 0 {
			s.compWhy[l] = WhyReservation
		}
	}
	s.buildIndex()
	for l := range nl {
		if s.rem[l] == 0 || s.find(int32(l)) != int32(l) {
			continue
		}
		s.comp = s.comp[:0]
		for m := range nl {
			if s.rem[m] > 0 && s.find(int32(m)) == int32(l) {
				s.comp = append(s.comp, int32(m))
			}
		}
		e.solveComponent()
	}
}

func (s *sourcer) find(x int32) int32 {
	for s.parent[x] != x {
		s.parent[x] = s.parent[s.parent[x]]
		x = s.parent[x]
	}
	return x
}

// union keeps the smaller index as the root, so a component's root is its
// first line.
func (s *sourcer) union(a, b int32) {
	ra, rb := s.find(a), s.find(b)
	if ra == rb {
		return
	}
	if rb < ra {
		ra, rb = rb, ra
	}
	s.parent[rb] = ra
}

// buildIndex makes: per candidate, the lines it serves and those it covers
// alone (lmask, smask: ATP at least the remaining need); per line, the free
// candidates that stock it, in candidate (cost, priority, id) order
// (lcOff/lcList); and the union-find over lines, where a free candidate
// joins the lines with a remaining need that it can serve. It walks the
// gathered triples (every non-zero ATP entry), not the candidate x line
// matrix: most candidates serve one line.
func (s *sourcer) buildIndex() {
	nl, nc := len(s.req), len(s.cands)
	if nl > 64 {
		s.buildIndexDense()
		return
	}
	s.lmask = growU64(s.lmask, nc)
	s.smask = growU64(s.smask, nc)
	s.lcOff = growI32(s.lcOff, nl+1)
	s.parent = growI32(s.parent, nl)
	for l := range s.parent {
		s.parent[l] = int32(l)
	}
	// first is each candidate's first line with a remaining need; triples
	// come in line order, so it is the lowest.
	first := growI32(s.first, nc)
	for c := range first {
		first[c] = -1
	}
	for _, t := range s.trip {
		c, l := s.perm[t.cand], t.line
		s.lmask[c] |= 1 << l
		if s.avail[int(c)*nl+int(l)] >= s.rem[l] {
			s.smask[c] |= 1 << l
		}
		if s.cands[c].forced {
			continue
		}
		s.lcOff[l+1]++
		if s.rem[l] > 0 {
			if first[c] < 0 {
				first[c] = l
			} else {
				s.union(first[c], l)
			}
		}
	}
	s.first = first
	for l := range nl {
		s.lcOff[l+1] += s.lcOff[l]
	}
	s.lcList = growI32(s.lcList, int(s.lcOff[nl]))
	pos := append(s.idx[:0], s.lcOff[:nl]...)
	for c := range nc {
		if s.cands[c].forced {
			continue
		}
		for m := s.lmask[c]; m != 0; m &= m - 1 {
			l := bits.TrailingZeros64(m)
			s.lcList[pos[l]] = int32(c)
			pos[l]++
		}
	}
	s.idx = pos[:0]
}

func growU64(s []uint64, n int) []uint64 {
	if cap(s) < n {
		return make([]uint64, n, n+n/2)
	}
	s = s[:n]
	clear(s)
	return s
}

// buildIndexDense is buildIndex for orders of more than 64 lines (no
// masks), in one pass over the candidate x line matrix. It makes: per candidate, the
// lines it serves and those it covers alone (lmask, smask: ATP at least the
// remaining need; orders of up to 64 lines); per line, the free candidates
// that stock it, in candidate (cost, priority, id) order (lcOff/lcList);
// and the union-find over lines, where a free candidate joins the lines
// with a remaining need that it can serve.
func (s *sourcer) buildIndexDense() {
	nl, nc := len(s.req), len(s.cands)
	masked := nl <= 64
	s.lmask, s.smask = s.lmask[:0], s.smask[:0]
	s.lcOff = growI32(s.lcOff, nl+1)
	s.parent = growI32(s.parent, nl)
	for l := range s.parent {
		s.parent[l] = int32(l)
	}
	for c := range nc {
		forced := s.cands[c].forced
		var lm, sm uint64
		first := int32(-1)
		for l, a := range s.avail[c*nl : c*nl+nl] {
			if a <= 0 {
				continue
			}
			if masked {
				lm |= 1 << l
				if a >= s.rem[l] {
					sm |= 1 << l
				}
			}
			if forced {
				continue
			}
			s.lcOff[l+1]++
			if s.rem[l] > 0 {
				if first < 0 {
					first = int32(l)
				} else {
					s.union(first, int32(l))
				}
			}
		}
		if masked {
			s.lmask = append(s.lmask, lm)
			s.smask = append(s.smask, sm)
		}
	}
	for l := range nl {
		s.lcOff[l+1] += s.lcOff[l]
	}
	s.lcList = growI32(s.lcList, int(s.lcOff[nl]))
	// pos is each line's fill cursor: idx is free here.
	pos := append(s.idx[:0], s.lcOff[:nl]...)
	for c := range nc {
		if s.cands[c].forced {
			continue
		}
		for l, a := range s.avail[c*nl : c*nl+nl] {
			if a > 0 {
				s.lcList[pos[l]] = int32(c)
				pos[l]++
			}
		}
	}
	s.idx = pos[:0]
}

// solveComponent adds the best location set for the lines in s.comp to the
// plan (s.inPlan) and records each line's Why.
func (e *Engine) solveComponent() {
	s := &e.src
	compCands, maxTouch := s.dedupe()
	why := WhyOnly
	if len(s.comp) <= maxExactLines && maxTouch > 0 {
		s.best.found, s.second.found = false, false
		s.aborted, s.nodes, s.maxTouch = false, 0, maxTouch
		// No plan has fewer locations than lines / (most lines one location
		// can serve).
		k0 := (len(s.comp) + maxTouch - 1) / maxTouch
		s.initUsable()
		for k := k0; k <= compCands && !s.best.found && !s.aborted; k++ {
			s.chosen = s.chosen[:0]
			s.dfs(0, k, 0, 0)
		}
		if s.best.found && !s.aborted {
			why = s.why(compCands)
			for _, c := range s.best.set {
				s.inPlan[c] = true
				why = max(why, s.shadow[c])
			}
			for _, l := range s.comp {
				s.compWhy[l] = why
			}
			s.undedupe()
			return
		}
	}
	s.exact = false
	s.greedy()
	for _, l := range s.comp {
		s.compWhy[l] = WhyShipments
	}
	s.undedupe()
}

// dedupe keeps, among the component's candidates that each alone cover the
// whole remaining need of every line they serve, and serve the same lines,
// only the first in (cost, priority, id) order: a plan never needs two such
// twins, and swapping the kept one in for another never makes a plan worse.
// The twins are excluded from the search; shadow records, per kept
// candidate, what its best twin lost on, for the Why of the plan. It returns
// the number of candidates and the most lines one candidate serves.
func (s *sourcer) dedupe() (compCands, maxTouch int) {
	nc := len(s.cands)
	s.shadow = s.shadow[:0]
	for range nc {
		s.shadow = append(s.shadow, 0)
	}
	s.cc = s.cc[:0]
	s.ccMask = s.ccMask[:0]
	s.lineTwin = growI32(s.lineTwin, len(s.req))
	for _, l := range s.comp {
		s.lineTwin[l] = -1
	}
	var comp uint64
	masked := len(s.req) <= 64
	if masked {
		for _, l := range s.comp {
			comp |= 1 << l
		}
	}
	s.compMask = comp
	for c := range nc {
		if s.cands[c].forced {
			continue
		}
		var mask uint64
		var touch int
		saturating := false
		if masked {
			mask = s.lmask[c] & comp
			touch = bits.OnesCount64(mask)
			saturating = s.smask[c]&mask == mask
		} else {
			touch = s.touch(c)
		}
		if touch == 0 {
			continue
		}
		compCands++
		maxTouch = max(maxTouch, touch)
		if !saturating {
			continue
		}
		// The kept saturating candidates: those serving one line in
		// lineTwin (most candidates serve one line of an order), the others
		// in cc with their lines in ccMask.
		twin := -1
		if masked && touch == 1 {
			l := bits.TrailingZeros64(mask)
			if twin = int(s.lineTwin[l]); twin < 0 {
				s.lineTwin[l] = int32(c)
			}
		} else {
			for j, m := range s.ccMask {
				if m == mask {
					twin = int(s.cc[j])
					break
				}
			}
			if twin < 0 {
				s.cc = append(s.cc, int32(c))
				s.ccMask = append(s.ccMask, mask)
			}
		}
		if twin >= 0 {
			s.excl[c] = true
			s.shadow[twin] = max(s.shadow[twin], whyOf(&s.cands[twin], &s.cands[c]))
		}
	}
	return compCands, maxTouch
}

// touch counts the component's lines candidate c serves.
func (s *sourcer) touch(c int) int {
	nl := len(s.req)
	n := 0
	for _, l := range s.comp {
		if s.avail[c*nl+int(l)] > 0 {
			n++
		}
	}
	return n
}

// undedupe lifts the twins' exclusion.
func (s *sourcer) undedupe() {
	clear(s.excl)
}

func whyOf(a, b *candidate) Why {
	switch {
	case a.cost != b.cost:
		return WhyCost
	case a.prio != b.prio:
		return WhyPriority
	}
	return WhyLowestID
}

// why names what separated the component's best plan from its runner-up.
func (s *sourcer) why(compCands int) Why {
	switch {
	case s.second.found && s.second.cost == s.best.cost:
		if s.second.prio != s.best.prio {
			return WhyPriority
		}
		return WhyLowestID
	case s.second.found:
		return WhyCost
	case compCands > len(s.best.set):
		return WhyShipments
	}
	return WhyOnly
}

// dfs searches plans of exactly k locations for the current component.
func (s *sourcer) dfs(depth, k int, cost Money, prio int64) {
	s.nodes++
	if s.nodes > maxSearchNodes {
		s.aborted = true
		return
	}
	pick, uncovered, feasible := s.pickLine()
	if !feasible {
		return
	}
	if pick < 0 {
		s.offer(cost, prio)
		return
	}
	if uncovered > (k-depth)*s.maxTouch {
		return // too few locations left to serve the uncovered lines
	}
	mark := len(s.exStack)
	for _, c := range s.lcList[s.lcOff[pick]:s.lcOff[pick+1]] {
		if s.excl[c] || s.inPlan[c] {
			continue
		}
		cd := &s.cands[c]
		nc := cost + cd.cost
		if s.second.found && nc > s.second.cost {
			// Neither best nor runner-up down this branch; candidates are in
			// cost order, so the later ones cost more still.
			break
		}
		s.inPlan[c] = true
		s.usable(c, -1)
		s.chosen = append(s.chosen, c)
		s.take(int(c), -1)
		s.dfs(depth+1, k, nc, prio+cd.prio)
		s.take(int(c), 1)
		s.chosen = s.chosen[:len(s.chosen)-1]
		s.inPlan[c] = false
		// Plans with c are done: c's later siblings do without it (it stays
		// out of the usable counts until they are done).
		s.excl[c] = true
		s.exStack = append(s.exStack, c)
		if s.aborted {
			break
		}
	}
	for _, c := range s.exStack[mark:] {
		s.excl[c] = false
		s.usable(c, 1)
	}
	s.exStack = s.exStack[:mark]
}

// take adds (sign -1) or gives back (sign +1) candidate c's units to the
// remaining need of the component's lines.
func (s *sourcer) take(c, sign int) {
	nl := len(s.req)
	if nl <= 64 {
		for m := s.lmask[c] & s.compMask; m != 0; m &= m - 1 {
			l := bits.TrailingZeros64(m)
			s.rem[l] += Qty(sign) * s.avail[c*nl+l]
		}
		return
	}
	for _, l := range s.comp {
		s.rem[l] += Qty(sign) * s.avail[c*nl+int(l)]
	}
}

// offer records a complete plan (s.chosen) as best or runner-up.
func (s *sourcer) offer(cost Money, prio int64) {
	if !s.best.found || s.better(cost, prio, s.chosen, &s.best) {
		if s.best.found {
			s.second.found = true
			s.second.cost, s.second.prio = s.best.cost, s.best.prio
			s.second.set = append(s.second.set[:0], s.best.set...)
		}
		s.best.found, s.best.cost, s.best.prio = true, cost, prio
		s.best.set = s.sortedSet(s.best.set[:0], s.chosen)
		return
	}
	if !s.second.found || s.better(cost, prio, s.chosen, &s.second) {
		s.second.found, s.second.cost, s.second.prio = true, cost, prio
		s.second.set = s.sortedSet(s.second.set[:0], s.chosen)
	}
}

// sortedSet appends set to dst sorted by location id.
func (s *sourcer) sortedSet(dst, set []int32) []int32 {
	dst = append(dst, set...)
	for i := 1; i < len(dst); i++ {
		for j := i; j > 0 && s.cands[dst[j]].id < s.cands[dst[j-1]].id; j-- {
			dst[j], dst[j-1] = dst[j-1], dst[j]
		}
	}
	return dst
}

// better reports whether the plan (cost, prio, set) beats p.
func (s *sourcer) better(cost Money, prio int64, set []int32, p *planRec) bool {
	if cost != p.cost {
		return cost < p.cost
	}
	if prio != p.prio {
		return prio < p.prio
	}
	// Same size: compare sorted id lists. Sort a copy in the spare buffer.
	s.idx = s.sortedSet(s.idx[:0], set)
	for i := range s.idx {
		a, b := s.cands[s.idx[i]].id, s.cands[p.set[i]].id
		if a != b {
			return a < b
		}
	}
	return false
}

// greedy covers the component by repeatedly taking the location that covers
// the most remaining units (ties: cost, priority, id, which is candidate
// order), then drops the picks the others make redundant (prune). It
// always terminates: every step covers at least one unit.
func (s *sourcer) greedy() {
	nl := len(s.req)
	s.chosen = s.chosen[:0]
	defer s.prune()
	for {
		best, bestU := -1, Qty(0)
		for c := range s.cands {
			if s.inPlan[c] || s.excl[c] {
				continue
			}
			var u Qty
			for _, l := range s.comp {
				if s.rem[l] > 0 {
					u += min(s.avail[c*nl+int(l)], s.rem[l])
				}
			}
			if u > bestU {
				best, bestU = c, u
			}
		}
		if best < 0 {
			return
		}
		s.inPlan[best] = true
		s.take(best, -1)
		s.chosen = append(s.chosen, int32(best))
	}
}

// prune is a reverse delete over greedy's picks (s.chosen): a pick whose
// units the other picks cover on every line it serves is dropped, the
// most expensive first (the highest candidate index: candidates are in
// (cost, priority, id) order). An early pick that covered the most units
// is often made redundant by the later ones, and assign would then take
// nothing from it, while the plan's score counted it.
func (s *sourcer) prune() {
	ch := s.chosen
	for i := 1; i < len(ch); i++ {
		for j := i; j > 0 && ch[j] > ch[j-1]; j-- {
			ch[j], ch[j-1] = ch[j-1], ch[j]
		}
	}
	nl := len(s.req)
	for _, c := range ch {
		redundant := true
		for _, l := range s.comp {
			if a := s.avail[int(c)*nl+int(l)]; a > 0 && s.rem[l]+a > 0 {
				redundant = false // without c, line l is short
				break
			}
		}
		if redundant {
			s.inPlan[c] = false
			s.take(int(c), 1)
		}
	}
	s.chosen = ch[:0]
}

// pickLine returns the uncovered line with the fewest usable candidates
// (-1 when all are covered) and the number of uncovered lines; feasible is
// false when some line's usable stock cannot cover it.
func (s *sourcer) pickLine() (pick, uncovered int, feasible bool) {
	pick, pickN := -1, int32(1<<30)
	for _, l := range s.comp {
		if s.rem[l] <= 0 {
			continue
		}
		uncovered++
		if s.uqty[l] < s.rem[l] {
			return -1, uncovered, false
		}
		if n := s.ucnt[l]; n < pickN {
			pick, pickN = int(l), n
		}
	}
	return pick, uncovered, true
}

// initUsable counts, per line of the component, its usable candidates
// (in its list, neither excluded nor in the plan) and their units: the
// search keeps ucnt and uqty up to date as candidates enter and leave, so
// that pickLine reads them instead of walking every line's list at every
// node.
func (s *sourcer) initUsable() {
	nl := len(s.req)
	s.ucnt = growI32(s.ucnt, nl)
	s.uqty = growQty(s.uqty, nl)
	for _, l := range s.comp {
		for _, c := range s.lcList[s.lcOff[l]:s.lcOff[l+1]] {
			if !s.excl[c] && !s.inPlan[c] {
				s.ucnt[l]++
				s.uqty[l] += s.avail[int(c)*nl+int(l)]
			}
		}
	}
}

// usable adds (sign 1) or removes (sign -1) candidate c, which is in the
// lists of the lines it stocks, to or from the usable counts of the
// component's lines.
func (s *sourcer) usable(c int32, sign int32) {
	nl := len(s.req)
	if nl <= 64 {
		for m := s.lmask[c] & s.compMask; m != 0; m &= m - 1 {
			l := bits.TrailingZeros64(m)
			s.ucnt[l] += sign
			s.uqty[l] += Qty(sign) * s.avail[int(c)*nl+l]
		}
		return
	}
	for _, l := range s.comp {
		if a := s.avail[int(c)*nl+int(l)]; a > 0 {
			s.ucnt[l] += sign
			s.uqty[l] += Qty(sign) * a
		}
	}
}
