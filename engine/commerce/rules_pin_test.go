package commerce

import (
	"crypto/sha256"
	"fmt"
	"testing"
)

// Commerce's behaviour is pinned under engine.RulesVersion, as the book's
// is (engine/book/rules_pin_test.go, whose comment says what to do when
// TestCommerceRulesPinned fails): pinnedRules is the version pinnedDigest
// was taken under, and engine's TestRulesPinned requires it to equal
// engine.RulesVersion.
const (
	pinnedRules  = 5
	pinnedDigest = "802ab0b05c9244002309b09c9a8ca44d78563ac0e5fde49e3dd4e0bcf1d2cd06"
)

// TestCommerceRulesPinned runs fixed streams (the random tests' generator)
// and hashes every event and each final state.
func TestCommerceRulesPinned(t *testing.T) {
	h := sha256.New()
	for seed := uint64(9001); seed < 9021; seed++ {
		e := New()
		g := &gen{src: &byteSource{b: seededBytes(seed, 8000)}}
		var c Command
		var out []Event
		for i := 0; !g.src.done(); i++ {
			if g.next(&c) {
				out = e.Tick(g.now, out[:0])
			} else {
				out = e.Apply(&c, g.now, out[:0])
			}
			for _, ev := range out {
				// The definitions behind the pointers, not their addresses.
				loc, rules := ev.Location, ev.Rules
				ev.Location, ev.Rules = nil, nil
				fmt.Fprintf(h, "%d %d %+v", seed, i, ev)
				if loc != nil {
					fmt.Fprintf(h, " %+v", *loc)
				}
				if rules != nil {
					fmt.Fprintf(h, " %+v", *rules)
				}
				h.Write([]byte{'\n'})
			}
		}
		h.Write(snapshotBytes(e))
	}
	if got := fmt.Sprintf("%x", h.Sum(nil)); got != pinnedDigest {
		t.Fatalf("the pinned commerce streams reach digest %s, not %s (rules %d): commerce's rules changed; "+
			"bump engine.RulesVersion and set pinnedRules and pinnedDigest in %s (see engine/book/rules_pin_test.go)",
			got, pinnedDigest, pinnedRules, "engine/commerce/rules_pin_test.go")
	}
}
