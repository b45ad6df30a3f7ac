package commerce

import (
	"bytes"
	"crypto/sha256"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/ordercore/oms/engine/wire"
	"github.com/stretchr/testify/require"
)

func seededBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func snapshotBytes(e *Engine) []byte {
	w := wire.NewWriter(nil)
	e.Snapshot(w)
	return w.Bytes()
}

func digest(e *Engine) [32]byte { return sha256.Sum256(snapshotBytes(e)) }

// runStream applies the generated stream to e, checking the invariants after
// every command, and returns the events of each command.
func runStream(t testing.TB, e *Engine, data []byte, each func(i int, c *Command, tick bool, now int64)) {
	g := &gen{src: &byteSource{b: data}}
	var c Command
	var out []Event
	for i := 0; !g.src.done(); i++ {
		tick := g.next(&c)
		if tick {
			out = e.Tick(g.now, out[:0])
		} else {
			out = e.Apply(&c, g.now, out[:0])
		}
		if err := e.CheckInvariants(); err != nil {
			t.Fatalf("command %d (%s): %v", i, c.Kind, err)
		}
		if each != nil {
			each(i, &c, tick, g.now)
		}
	}
}

// TestRandomStreams drives random command streams and, at random points,
// snapshots the engine, restores the snapshot into a second engine, and
// requires both to produce identical events and digests from then on.
func TestRandomStreams(t *testing.T) {
	for seed := uint64(1); seed <= 150; seed++ {
		data := seededBytes(seed, 6000)
		e := New()
		var twin *Engine
		r := rand.New(rand.NewPCG(seed, 7))
		var outB []Event
		runStream(t, e, data, func(i int, c *Command, tick bool, now int64) {
			if twin != nil {
				// Replay the same command on the twin and compare.
				if tick {
					outB = twin.Tick(now, outB[:0])
				} else {
					outB = twin.Apply(c, now, outB[:0])
				}
				require.Equal(t, digest(e), digest(twin), "seed %d command %d: digests diverge", seed, i)
			}
			if r.IntN(40) == 0 {
				twin = New()
				require.NoError(t, twin.Restore(wire.NewReader(snapshotBytes(e))))
				require.Equal(t, digest(e), digest(twin), "seed %d command %d: restored digest", seed, i)
			}
		})
	}
}

// TestDeterministicEvents replays the same stream twice, once through a
// snapshot/restore halfway, and requires byte-identical event streams.
func TestDeterministicEvents(t *testing.T) {
	for seed := uint64(1); seed <= 40; seed++ {
		data := seededBytes(seed, 5000)
		collect := func(restoreAt int) [][]Event {
			e := New()
			g := &gen{src: &byteSource{b: data}}
			var c Command
			var all [][]Event
			for i := 0; !g.src.done(); i++ {
				if i == restoreAt {
					f := New()
					require.NoError(t, f.Restore(wire.NewReader(snapshotBytes(e))))
					e = f
				}
				var out []Event
				if g.next(&c) {
					out = e.Tick(g.now, nil)
				} else {
					out = e.Apply(&c, g.now, nil)
				}
				all = append(all, out)
			}
			return all
		}
		a := collect(-1)
		b := collect(len(a) / 2)
		require.Equal(t, len(a), len(b))
		for i := range a {
			require.Equal(t, a[i], b[i], "seed %d command %d", seed, i)
		}
	}
}

// FuzzStream applies fuzzer-chosen command streams: no panic, the
// invariants hold after every command, and the final snapshot round-trips.
func FuzzStream(f *testing.F) {
	for seed := uint64(1); seed <= 8; seed++ {
		f.Add(seededBytes(seed, 800))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		e := New()
		runStream(t, e, data, nil)
		checkRoundTrip(t, e)
	})
}

// FuzzRestore: damaged snapshots never panic; they are refused or, if they
// decode, restore a consistent engine whose snapshot round-trips.
func FuzzRestore(f *testing.F) {
	for seed := uint64(1); seed <= 4; seed++ {
		e := New()
		runStream(f, e, seededBytes(seed, 1500), nil)
		f.Add(snapshotBytes(e))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		e := New()
		r := wire.NewReader(b)
		if err := e.Restore(r); err != nil || r.Done() != nil {
			return
		}
		require.NoError(t, e.CheckInvariants())
		checkRoundTrip(t, e)
	})
}

func TestRestoreRefusesDamage(t *testing.T) {
	e := New()
	runStream(t, e, seededBytes(3, 3000), nil)
	snap := snapshotBytes(e)
	for i := 0; i < len(snap); i += 7 {
		damaged := append([]byte(nil), snap...)
		damaged[i] ^= 0x5a
		f := New()
		r := wire.NewReader(damaged)
		if f.Restore(r) == nil && r.Done() == nil {
			require.NoError(t, f.CheckInvariants())
		}
	}
	require.Error(t, New().Restore(wire.NewReader(snap[:len(snap)/2])))
}

// TestRejectionsChangeNothing: every command that yields a Rejected event
// yields only that event and leaves the snapshot byte-identical, but for
// the time effects that may come before a placement is checked (doc.go):
// then its state and the events before the rejection are those of an
// engine given only those effects at the same time.
func TestRejectionsChangeNothing(t *testing.T) {
	rejected, timed := 0, 0
	for seed := uint64(1); seed <= 60; seed++ {
		g := &gen{src: &byteSource{b: seededBytes(seed, 4000)}}
		e := New()
		var c Command
		var out []Event
		for i := 0; !g.src.done(); i++ {
			if g.next(&c) {
				out = e.Tick(g.now, out[:0])
				continue
			}
			before := snapshotBytes(e)
			out = e.Apply(&c, g.now, out[:0])
			k := slices.IndexFunc(out, func(ev Event) bool { return ev.Kind == EvRejected })
			if k < 0 {
				continue
			}
			rejected++
			want, wantEvents := before, []Event{}
			if (c.Kind == CmdPlaceOrder || c.Kind == CmdReserve) && (k > 0 || !bytes.Equal(before, snapshotBytes(e))) {
				// A placement that got as far as checking the order, or
				// a reservation, rolled the capacity day first.
				want, wantEvents = timeEffects(t, before, g.now)
				timed++
			}
			require.Equal(t, wantEvents, out[:k], "seed %d command %d (%s): events before the rejection", seed, i, out[k].Reason)
			require.Len(t, out, k+1, "seed %d command %d: events after the rejection", seed, i)
			require.NotEqual(t, ReasonNone, out[k].Reason)
			require.NotEmpty(t, out[k].Field, "seed %d command %d: %s", seed, i, out[k].Reason)
			require.Equal(t, want, snapshotBytes(e), "seed %d command %d (%s): state changed", seed, i, out[k].Reason)
		}
	}
	require.Greater(t, rejected, 1000)
	require.Greater(t, timed, 0, "no rejection after a capacity roll")
}

// timeEffects restores snap and gives it only what the passing of time to
// now does before any command: the capacity day's retry (capwait.go). It
// returns the snapshot and the events.
func timeEffects(t *testing.T, snap []byte, now int64) ([]byte, []Event) {
	f := New()
	require.NoError(t, f.Restore(wire.NewReader(snap)))
	f.now, f.out = now, nil
	f.rollCapacity()
	evs := f.out
	f.out = nil
	if evs == nil {
		evs = []Event{}
	}
	return snapshotBytes(f), evs
}
