package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/engine/commerce"
	"github.com/ordercore/oms/journal"
	"github.com/ordercore/oms/journal/journaltest"
)

// writeJournal writes n generated commands, in batches of 100, with a
// snapshot at snapAt (0: none), and returns the digests after snapAt and at
// the end.
func writeJournal(t *testing.T, dir string, n, snapAt int) (atSnap, final engine.Digest) {
	t.Helper()
	return writeJournalRules(t, dir, n, snapAt, 0)
}

// writeJournalRules is writeJournal by a build of engine rules version
// rules (0: this build's).
func writeJournalRules(t *testing.T, dir string, n, snapAt int, rules uint32) (atSnap, final engine.Digest) {
	t.Helper()
	j, err := journal.Open(dir, journal.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Rules: rules})
	require.NoError(t, err)
	defer func() { require.NoError(t, j.Close()) }()
	e := engine.New()
	g := journaltest.NewGen(3)
	var out engine.Output
	for seq := 1; seq <= n; seq += 100 {
		cmds := g.Batch(min(100, n-seq+1))
		journaltest.Stamp(cmds, uint64(seq), int64(seq)*1000)
		require.NoError(t, j.Append(cmds))
		for i := range cmds {
			out.Reset()
			e.Apply(&cmds[i], &out)
			if int(cmds[i].Seq) == snapAt {
				atSnap = e.Digest()
				require.NoError(t, j.WriteSnapshot(cmds[i].Seq, atSnap, e.Snapshot(nil)))
			}
		}
	}
	return atSnap, e.Digest()
}

func runOMS(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(context.Background(), args, &o, &e)
	return code, o.String(), e.String()
}

func TestReplayCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	atSnap, final := writeJournal(t, dir, 1000, 600)

	code, out, errOut := runOMS(t, "replay", "--dir", dir, "--verify-digest", final.String(), "--progress-every", "100")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "snapshot:  seq 600")
	require.Contains(t, out, "replayed:  400 commands")
	require.Contains(t, out, "digest:    "+final.String())
	require.Contains(t, out, "verify:    ok")
	require.Contains(t, out, "seq 700 / 1000")

	// A data directory holding journal/ works too.
	data := t.TempDir()
	require.NoError(t, os.Rename(dir, filepath.Join(data, "journal")))
	dir = data
	code, out, _ = runOMS(t, "replay", "--dir", dir, "--no-snapshot")
	require.Equal(t, 0, code)
	require.Contains(t, out, "replayed:  1000 commands")
	require.Contains(t, out, "digest:    "+final.String())

	code, out, _ = runOMS(t, "replay", "--dir", dir, "--until", "600", "--no-snapshot", "--verify-digest", atSnap.String())
	require.Equal(t, 0, code)
	require.Contains(t, out, "last seq:  600")

	code, _, errOut = runOMS(t, "replay", "--dir", dir, "--verify-digest", atSnap.String())
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "digest mismatch at seq 1000")

	// A stop point past the journal's end is an error, not the state at
	// another seq.
	code, _, errOut = runOMS(t, "replay", "--dir", dir, "--until", "1001")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "recover until seq 1001: the journal ends at seq 1000")
}

func TestReplayExport(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	_, final := writeJournal(t, dir, 300, 0)
	file := filepath.Join(t.TempDir(), "audit.jsonl")
	code, out, errOut := runOMS(t, "replay", "--dir", dir, "--export-jsonl", file)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "exported:  300 commands")
	require.Contains(t, out, final.String())

	f, err := os.Open(file)
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	var n int
	for sc.Scan() {
		n++
		var rec map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &rec), "line %d", n)
		require.Equal(t, float64(n), rec["seq"], "line %d", n)
		require.Equal(t, float64(engine.RulesVersion), rec["rules"], "line %d", n)
		require.Contains(t, []string{"trade", "tick"}, rec["kind"])
		if rec["kind"] == "trade" {
			tr := rec["trade"].(map[string]any)
			require.NotEmpty(t, tr["kind"])
		}
	}
	require.NoError(t, sc.Err())
	require.Equal(t, 300, n)

	// To stdout, with the report on stderr.
	code, out, errOut = runOMS(t, "replay", "--dir", dir, "--export-jsonl", "-", "--until", "10")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, 10, bytes.Count([]byte(out), []byte("\n")))
	require.Contains(t, errOut, "last seq:  10")
}

// TestReplayOtherRules: a journal written by a build of other engine rules
// is refused, naming the seq and both versions, unless --any-rules, which
// says how many commands it replayed under this build's rules; the export
// shows each command's version.
func TestReplayOtherRules(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	other := engine.RulesVersion + 1
	_, final := writeJournalRules(t, dir, 300, 0, other)
	code, out, errOut := runOMS(t, "replay", "--dir", dir)
	require.Equal(t, 1, code)
	require.Contains(t, out, fmt.Sprintf("this build applies engine rules %d", engine.RulesVersion))
	require.Contains(t, errOut, fmt.Sprintf("seq 1 was journaled under engine rules %d; this build applies rules %d", other, engine.RulesVersion))

	code, out, errOut = runOMS(t, "replay", "--dir", dir, "--any-rules", "--verify-digest", final.String(), "--export-jsonl", "-", "--until", "5")
	require.Equal(t, 1, code, "the digest at seq 5 is not the final one")
	require.Contains(t, out, fmt.Sprintf(`"rules":%d`, other))
	require.Contains(t, errOut, "rules:     5 replayed commands, from seq 1, were journaled under other engine rules")

	code, out, errOut = runOMS(t, "replay", "--dir", dir, "--any-rules", "--verify-digest", final.String())
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, fmt.Sprintf("rules:     300 replayed commands, from seq 1, were journaled under other engine rules and replayed with rules %d", engine.RulesVersion))
	require.Contains(t, out, "verify:    ok")
}

func TestReplayUsage(t *testing.T) {
	code, _, errOut := runOMS(t, "replay")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "flag --dir is required")

	code, _, errOut = runOMS(t, "replay", "--dir", "x", "--verify-digest", "abc")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "flag --verify-digest")

	code, _, errOut = runOMS(t, "nope")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, `unknown subcommand "nope"`)

	code, _, errOut = runOMS(t)
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "replay")

	code, _, errOut = runOMS(t, "replay", "--dir", filepath.Join(t.TempDir(), "missing"))
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "oms replay:")
}

// writeCommerceJournal writes the demo catalogue, two orders (one of them
// backordered) and a reservation, and returns the final digest.
func writeCommerceJournal(t *testing.T, dir string) engine.Digest {
	t.Helper()
	j, err := journal.Open(dir, journal.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	defer func() { require.NoError(t, j.Close()) }()
	cmds := demoCommands()
	com := func(c commerce.Command) { cmds = append(cmds, engine.Command{Kind: engine.KindCommerce, Commerce: c}) }
	com(commerce.Command{Kind: commerce.CmdPlaceOrder, Channel: commerce.Web, ChannelOrderID: "W-1", Customer: "alice",
		ShipTo: commerce.Coord{Lat: 48_850_000, Lon: 2_350_000}, Payment: commerce.PaymentAuthorised,
		Lines: []commerce.LineInput{{SKU: "TSHIRT-M", Qty: 2, UnitPrice: 1999, Currency: "EUR"}, {SKU: "MUG", Qty: 1, UnitPrice: 899, Currency: "EUR"}}})
	com(commerce.Command{Kind: commerce.CmdPlaceOrder, Channel: commerce.Web, ChannelOrderID: "W-2", Customer: "bob",
		ShipTo: commerce.Coord{Lat: 48_850_000, Lon: 2_350_000}, Payment: commerce.PaymentAuthorised,
		Lines: []commerce.LineInput{{SKU: "HOODIE", Qty: 60, UnitPrice: 4999, Currency: "EUR"}}})
	com(commerce.Command{Kind: commerce.CmdReserve, SKU: "MUG", Loc: 1, Qty: 3, TTL: commerce.Hour})
	journaltest.Stamp(cmds, 1, 1_800_000_000e9)
	require.NoError(t, j.Append(cmds))
	e := engine.New()
	var out engine.Output
	for i := range cmds {
		out.Reset()
		e.Apply(&cmds[i], &out)
	}
	return e.Digest()
}

// TestReplayExportCommerce: commerce commands export as readably as trade
// ones: snake_case names, enum names, zero fields left out, lines a list.
func TestReplayExportCommerce(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	writeCommerceJournal(t, dir)
	code, out, errOut := runOMS(t, "replay", "--dir", dir, "--export-jsonl", "-")
	require.Equal(t, 0, code, errOut)
	byKind := map[string][]map[string]any{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		require.NotContains(t, line, `"Kind"`)
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &rec), line)
		require.Equal(t, float64(engine.RulesVersion), rec["rules"])
		if rec["kind"] == "commerce" {
			c := rec["commerce"].(map[string]any)
			byKind[c["kind"].(string)] = append(byKind[c["kind"].(string)], c)
		}
	}
	loc := byKind["set-location"][0]
	require.Equal(t, map[string]any{"id": 1.0, "kind": "warehouse", "at": map[string]any{"lat": 48_856_600.0, "lon": 2_352_200.0},
		"lead_hours": 24.0, "capacity": 0.0, "cost_per_shipment": 500.0, "cost_per_km": 1.0, "priority": 1.0,
		"ships": true, "pickup": false, "ship_from_store": false, "active": true}, loc["location"])
	require.Equal(t, []string{"kind", "location"}, keys(loc))

	// Stock set to 0 keeps its quantity.
	stock := byKind["set-stock"]
	require.Equal(t, map[string]any{"kind": "set-stock", "sku": "TSHIRT-L", "location_id": 2.0, "qty": 0.0, "version": 1.0}, stock[4])

	place := byKind["place-order"][0]
	require.Equal(t, map[string]any{"kind": "place-order", "channel": "web", "channel_order_id": "W-1", "customer": "alice",
		"ship_to": map[string]any{"lat": 48_850_000.0, "lon": 2_350_000.0}, "payment": "authorised",
		"lines": []any{
			map[string]any{"sku": "TSHIRT-M", "qty": 2.0, "unit_price": 1999.0, "currency": "EUR"},
			map[string]any{"sku": "MUG", "qty": 1.0, "unit_price": 899.0, "currency": "EUR"},
		}}, place)
	require.Equal(t, map[string]any{"kind": "reserve", "sku": "MUG", "location_id": 1.0, "qty": 3.0, "ttl": float64(commerce.Hour)},
		byKind["reserve"][0])
}

func keys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return sortStrings(ks)
}

// TestReplayCommerceCounts: the summary counts the commerce state too.
func TestReplayCommerceCounts(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	final := writeCommerceJournal(t, dir)
	code, out, errOut := runOMS(t, "replay", "--dir", dir, "--verify-digest", final.String())
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "trading:   2 instruments, 2 accounts, 0 live orders")
	require.Contains(t, out, "commerce:  3 locations, 5 SKUs, 2 orders in memory (2 open), 0 archived, 1 backordered lines, 1 active reservations\n")
}
