package commerce

import (
	"testing"

	"github.com/ordercore/oms/engine/wire"
	"github.com/stretchr/testify/require"
)

func encode(c *Command) []byte {
	w := wire.NewWriter(nil)
	EncodeCommand(w, c)
	return w.Bytes()
}

// TestCodecRoundTrip encodes generated commands of every kind, decodes them,
// and requires the same encoding and the same effect on two equal engines.
func TestCodecRoundTrip(t *testing.T) {
	seen := map[CmdKind]bool{}
	for seed := uint64(1); seed <= 30; seed++ {
		g := &gen{src: &byteSource{b: seededBytes(seed, 4000)}}
		a, b := New(), New()
		var c, d, e Command
		var outA, outB []Event
		names := wire.NewInterner(64)
		for !g.src.done() {
			if g.next(&c) {
				continue
			}
			seen[c.Kind] = true
			enc := encode(&c)
			r := wire.NewReader(enc)
			DecodeCommand(r, &d)
			require.NoError(t, r.Done(), "kind %s", c.Kind)
			require.Equal(t, enc, encode(&d), "kind %s", c.Kind)
			ri := wire.NewReader(enc)
			ri.SetInterner(names)
			DecodeCommand(ri, &e)
			require.NoError(t, ri.Done(), "kind %s", c.Kind)
			require.Equal(t, d, e, "kind %s: interning names changes nothing", c.Kind)
			outA = a.Apply(&c, g.now, outA[:0])
			outB = b.Apply(&d, g.now, outB[:0])
			require.Equal(t, outA, outB, "kind %s", c.Kind)
		}
	}
	for k := CmdKind(1); k < cmdKindCount; k++ {
		require.True(t, seen[k], "no %s command generated", k)
	}
}

func TestDecodeCommandErrors(t *testing.T) {
	for name, b := range map[string][]byte{
		"empty":        {},
		"unknown kind": {200},
		"short":        {byte(CmdSetStock), 3, 'a'},
		"bad bool":     {byte(CmdSetRules), 0, 0, 7},
		"bad location flags": func() []byte {
			b := encode(&Command{Kind: CmdSetLocation, Location: Location{ID: 1}})
			b[len(b)-1] = 0xff
			return b
		}(),
		"location id overflow": {byte(CmdSetLocation), 0xff, 0xff, 0xff, 0xff, 0x7f},
	} {
		var c Command
		r := wire.NewReader(b)
		DecodeCommand(r, &c)
		require.Error(t, r.Done(), name)
	}
}

// FuzzDecodeCommand: arbitrary bytes never panic; what decodes re-encodes
// to a canonical form that decodes to the same command.
func FuzzDecodeCommand(f *testing.F) {
	g := &gen{src: &byteSource{b: seededBytes(1, 3000)}}
	var c Command
	for !g.src.done() {
		if !g.next(&c) {
			f.Add(encode(&c))
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var c, d Command
		r := wire.NewReader(b)
		DecodeCommand(r, &c)
		if r.Done() != nil {
			return
		}
		enc := encode(&c)
		r2 := wire.NewReader(enc)
		DecodeCommand(r2, &d)
		require.NoError(t, r2.Done())
		require.Equal(t, enc, encode(&d))
		// Whatever decodes, the engine takes without panicking.
		e := New()
		e.Apply(&c, 0, nil)
		require.NoError(t, e.CheckInvariants())
	})
}
