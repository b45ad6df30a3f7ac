package commerce

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/ordercore/oms/engine/wire"
	"github.com/stretchr/testify/require"
)

// TestScenarios runs the scenario files under engine/testdata/commerce. Each
// command prints the events it produced; queries print their results. After
// every command the harness checks the invariants and that a snapshot
// restores to an engine with an identical snapshot.
//
// Regenerate the expected output with: go test ./engine/commerce -rewrite
func TestScenarios(t *testing.T) {
	datadriven.Walk(t, "../testdata/commerce", func(t *testing.T, path string) {
		h := &harness{e: New()}
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			out, err := h.run(t, d)
			if err != nil {
				return "error: " + err.Error() + "\n"
			}
			return out
		})
	})
}

type harness struct {
	e   *Engine
	now int64
	out []Event
}

func (h *harness) run(t *testing.T, d *datadriven.TestData) (string, error) {
	if v, ok := argVal(d, "t"); ok {
		now, err := parseTime(v)
		if err != nil {
			return "", err
		}
		h.now = now
	}
	if q, ok, err := h.query(d); ok || err != nil {
		return q, err
	}
	var c Command
	if d.Cmd == "tick" {
		h.out = h.e.Tick(h.now, h.out[:0])
	} else {
		if err := buildCommand(d, &c); err != nil {
			return "", err
		}
		h.out = h.e.Apply(&c, h.now, h.out[:0])
	}
	require.NoError(t, h.e.CheckInvariants(), "after %s", d.Pos)
	checkRoundTrip(t, h.e)
	var b strings.Builder
	for i := range h.out {
		b.WriteString(formatEvent(&h.out[i]))
		b.WriteByte('\n')
	}
	if len(h.out) == 0 {
		b.WriteString("ok\n")
	}
	return b.String(), nil
}

// checkRoundTrip snapshots the engine, restores the snapshot into a fresh
// engine, and requires the restored engine's snapshot to be identical.
func checkRoundTrip(t testing.TB, e *Engine) {
	w := wire.NewWriter(nil)
	e.Snapshot(w)
	f := New()
	r := wire.NewReader(w.Bytes())
	require.NoError(t, f.Restore(r))
	require.NoError(t, r.Done())
	w2 := wire.NewWriter(nil)
	f.Snapshot(w2)
	require.Equal(t, w.Bytes(), w2.Bytes(), "snapshot of the restored engine differs")
}

func argVal(d *datadriven.TestData, key string) (string, bool) {
	for _, a := range d.CmdArgs {
		if a.Key == key {
			if len(a.Vals) == 0 {
				return "", true
			}
			return strings.Join(a.Vals, ","), true
		}
	}
	return "", false
}

// args is a parsed key=value list with typed getters that record the first
// error.
type args struct {
	kv  map[string]string
	err error
}

func parseArgs(fields []string) *args {
	a := &args{kv: map[string]string{}}
	for _, f := range fields {
		k, v, _ := strings.Cut(f, "=")
		a.kv[k] = v
	}
	return a
}

func cmdArgs(d *datadriven.TestData) *args {
	a := &args{kv: map[string]string{}}
	for _, c := range d.CmdArgs {
		a.kv[c.Key] = strings.Join(c.Vals, ",")
	}
	return a
}

func (a *args) has(k string) bool { _, ok := a.kv[k]; return ok }

func (a *args) str(k string) string { return a.kv[k] }

func (a *args) int(k string) int64 {
	v, ok := a.kv[k]
	if !ok || a.err != nil {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		a.err = fmt.Errorf("%s: %w", k, err)
	}
	return n
}

func (a *args) time(k string) int64 {
	v, ok := a.kv[k]
	if !ok || a.err != nil {
		return 0
	}
	n, err := parseTime(v)
	if err != nil {
		a.err = fmt.Errorf("%s: %w", k, err)
	}
	return n
}

func (a *args) coord(k string) Coord {
	v, ok := a.kv[k]
	if !ok || a.err != nil {
		return Coord{}
	}
	la, lo, _ := strings.Cut(v, ",")
	x, err1 := strconv.ParseFloat(la, 64)
	y, err2 := strconv.ParseFloat(lo, 64)
	if err1 != nil || err2 != nil {
		a.err = fmt.Errorf("%s: bad coordinates %q", k, v)
	}
	return Coord{Lat: MicroDeg(math.Round(x * 1e6)), Lon: MicroDeg(math.Round(y * 1e6))}
}

// parseTime reads 1d2h30m, 90m, 0, or a bare number of nanoseconds.
func parseTime(s string) (int64, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, nil
	}
	var t int64
	num := ""
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9' || r == '-':
			num += string(r)
		case r == 'd' || r == 'h' || r == 'm':
			n, err := strconv.ParseInt(num, 10, 64)
			if err != nil {
				return 0, fmt.Errorf("bad time %q", s)
			}
			unit := map[rune]int64{'d': Day, 'h': Hour, 'm': Hour / 60}[r]
			t += n * unit
			num = ""
		default:
			return 0, fmt.Errorf("bad time %q", s)
		}
	}
	if num != "" {
		return 0, fmt.Errorf("bad time %q", s)
	}
	return t, nil
}

func fmtTime(t int64) string {
	if t == 0 {
		return "0"
	}
	neg := ""
	if t < 0 {
		neg, t = "-", -t
	}
	d, rest := t/Day, t%Day
	h, rest := rest/Hour, rest%Hour
	m, ns := rest/(Hour/60), rest%(Hour/60)
	s := fmt.Sprintf("%s%dd%02dh", neg, d, h)
	if m != 0 || ns != 0 {
		s += fmt.Sprintf("%02dm", m)
	}
	if ns != 0 {
		s += fmt.Sprintf("+%dns", ns)
	}
	return s
}

func enumOf[T ~uint8](names []string, v string) T {
	for i, n := range names {
		if n == v && n != "" {
			return T(i)
		}
	}
	return T(255)
}
