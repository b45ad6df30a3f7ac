package book

import "github.com/tidwall/btree"

// level is one price level: a FIFO queue of resting orders.
//
// INVARIANT: total is the sum of the visible quantities of the queued
// orders, and count their number; an empty level is removed from its side.
type level struct {
	price      Price
	total      Qty
	count      int
	head, tail *order
}

func (l *level) push(o *order) {
	o.lvl = l
	o.prev, o.next = l.tail, nil
	if l.tail != nil {
		l.tail.next = o
	} else {
		l.head = o
	}
	l.tail = o
	l.count++
	l.total += o.visible
}

func (l *level) remove(o *order) {
	if o.prev != nil {
		o.prev.next = o.next
	} else {
		l.head = o.next
	}
	if o.next != nil {
		o.next.prev = o.prev
	} else {
		l.tail = o.prev
	}
	o.prev, o.next, o.lvl = nil, nil, nil
	l.count--
	l.total -= o.visible
}

// bookSide is one side of an instrument's book: levels ordered best first in
// a B-tree, a map from price to level for O(1) access to existing levels, and
// the best level cached.
type bookSide struct {
	side    Side
	tree    *btree.BTreeG[*level]
	byPrice map[Price]*level
	best    *level
	free    []*level
}

func newBookSide(s Side) *bookSide {
	less := func(a, b *level) bool { return a.price < b.price }
	if s == Buy {
		less = func(a, b *level) bool { return a.price > b.price }
	}
	return &bookSide{
		side:    s,
		tree:    btree.NewBTreeGOptions(less, btree.Options{NoLocks: true, Degree: 32}),
		byPrice: make(map[Price]*level),
	}
}

// better reports whether price a is better than b on this side.
func (s *bookSide) better(a, b Price) bool {
	if s.side == Buy {
		return a > b
	}
	return a < b
}

func (s *bookSide) get(p Price) *level { return s.byPrice[p] }

func (s *bookSide) getOrCreate(p Price) *level {
	if l := s.byPrice[p]; l != nil {
		return l
	}
	var l *level
	if n := len(s.free); n > 0 {
		l = s.free[n-1]
		s.free = s.free[:n-1]
	} else {
		l = new(level)
	}
	l.price = p
	s.byPrice[p] = l
	s.tree.Set(l)
	if s.best == nil || s.better(p, s.best.price) {
		s.best = l
	}
	return l
}

// drop removes an empty level.
func (s *bookSide) drop(l *level) {
	delete(s.byPrice, l.price)
	s.tree.Delete(l)
	if s.best == l {
		s.best, _ = s.tree.Min()
	}
	*l = level{}
	s.free = append(s.free, l)
}

// scan visits levels best first until fn returns false.
func (s *bookSide) scan(fn func(l *level) bool) {
	s.tree.Scan(fn)
}

func (s *bookSide) levels() int { return s.tree.Len() }
