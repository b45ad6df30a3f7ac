package book_test

import (
	"crypto/sha256"
	"fmt"
	"testing"

	"github.com/ordercore/oms/engine/book"
)

// The book's behaviour is pinned under engine.RulesVersion: pinnedRules is
// the version pinnedDigest was taken under, and engine's TestRulesPinned
// requires it to equal engine.RulesVersion. When TestBookRulesPinned fails,
// the book's rules changed: bump engine.RulesVersion, then set pinnedRules
// to it and pinnedDigest to the digest the failure reports. (If only the
// snapshot encoding or an event's layout changed, and no command stream
// reaches a different state, update pinnedDigest alone, and say so in the
// commit.)
const (
	pinnedRules  = 5
	pinnedDigest = "0a844f037f6283e4d1e0b402ecde4e27cec55e947870f9aa330060e0ed712c7e"
)

// TestBookRulesPinned runs a fixed stream (the differential test's
// generator, with risk limits and a price band in its set-up) and hashes
// every event and the final state.
func TestBookRulesPinned(t *testing.T) {
	g := newGen(424242)
	e := book.New()
	cmds := []book.Command{{Kind: book.CmdAddInstrument, Instrument: book.Instrument{
		Symbol: "X", PriceDecimals: 2, TickSize: 1, LotSize: 1, Multiplier: 10, BandBps: 400, RefPrice: 100, State: book.Open}}}
	limits := map[string]book.Account{
		"A": {MaxOrderQty: 9},
		"B": {MaxOrderNotional: 8000},
		"C": {CreditLimit: 120000},
		"D": {MaxPosition: 25},
	}
	for _, a := range g.accts {
		acct := limits[a]
		acct.ID, acct.STP = a, genSTP[a]
		cmds = append(cmds, book.Command{Kind: book.CmdAddAccount, Acct: acct})
	}
	h := sha256.New()
	var out []book.Event
	for i := range 30000 {
		var c book.Command
		if i < len(cmds) {
			c = cmds[i]
		} else {
			c = g.next()
		}
		if c.Kind == cmdTick {
			out = e.Tick(g.now, out[:0])
		} else {
			out = e.Apply(&c, g.now, out[:0])
		}
		for _, ev := range out {
			// The definitions behind the pointers, not their addresses.
			inst, acct := ev.Instrument, ev.Acct
			ev.Instrument, ev.Acct = nil, nil
			fmt.Fprintf(h, "%d %+v", i, ev)
			if inst != nil {
				fmt.Fprintf(h, " %+v", *inst)
			}
			if acct != nil {
				fmt.Fprintf(h, " %+v", *acct)
			}
			h.Write([]byte{'\n'})
		}
	}
	h.Write(snapshot(e))
	if got := fmt.Sprintf("%x", h.Sum(nil)); got != pinnedDigest {
		t.Fatalf("the pinned book stream reaches digest %s, not %s (rules %d): the book's rules changed; "+
			"bump engine.RulesVersion and set pinnedRules and pinnedDigest in %s (see their comment)",
			got, pinnedDigest, pinnedRules, "engine/book/rules_pin_test.go")
	}
}
