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
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ordercore/oms/engine"
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
