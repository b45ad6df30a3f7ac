package main

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ordercore/oms/engine/book"
	"github.com/ordercore/oms/engine/commerce"
)

// linesWriter cancels once it has seen n lines.
type linesWriter struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	n      int
	cancel context.CancelFunc
}

func (w *linesWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if bytes.Count(w.buf.Bytes(), []byte("\n")) >= w.n {
		w.cancel()
	}
	return len(p), nil
}

func requireNoTrailingBlanks(t *testing.T, out string) {
	t.Helper()
	require.True(t, strings.HasSuffix(out, "\n"), "%q", out)
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		require.Equal(t, strings.TrimRight(l, " "), l, "trailing blanks in %q", out)
	}
}

// TestCLITableOutput: tables have no blank or unterminated rows, stock and
// level rows show what they mean, and tail's rows line up under a header
// printed only once there is a row.
func TestCLITableOutput(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	cfg.Demo = true
	s := startTest(t, cfg)

	out, err := cli(t, s, demoWebToken, "order", "place", "--id", "W-1", "--customer", "alice", "--ship-to", "48.85,2.35",
		"--line", "TSHIRT-M:2:1999", "--line", "MUG:1:899")
	require.NoError(t, err, out)
	requireNoTrailingBlanks(t, out)
	require.Regexp(t, `(?m)^23\s+stock\s+TSHIRT-M\s+1\s+atp=\d+ network_atp=\d+$`, out)

	out, err = cli(t, s, demoWebToken, "stock", "avail", "--sku", "NOPE")
	require.NoError(t, err, out)
	require.True(t, strings.HasSuffix(out, "\nNOPE  unknown\n"), "%q", out)

	out, err = cli(t, s, demoDeskToken, "trade", "new", "--account", demoDesk1, "--symbol", "ACME", "--clordid", "c1",
		"--side", "sell", "--qty", "10", "--price", "10050", "--tif", "gtc")
	require.NoError(t, err, out)
	requireNoTrailingBlanks(t, out)
	require.NotContains(t, out, "unspecified")
	require.Regexp(t, `(?m)^24\s+level\s+10\s+10050$`, out)
	out, err = cli(t, s, demoDeskToken, "trade", "new", "--account", demoDesk2, "--symbol", "ACME", "--clordid", "d1",
		"--side", "buy", "--qty", "4", "--price", "10100", "--tif", "ioc")
	require.NoError(t, err, out)

	// Header and five rows: two instruments, a level, a trade, a level.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	w := &linesWriter{n: 6, cancel: cancel}
	var errOut bytes.Buffer
	require.NoError(t, runTail(ctx, []string{"market", "--from", "1", "--addr", s.GRPCAddr(), "--token", demoDeskToken}, w, &errOut))
	w.mu.Lock()
	got := w.buf.String()
	w.mu.Unlock()
	requireNoTrailingBlanks(t, got)
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	require.Len(t, lines, 6, got)
	require.True(t, strings.HasPrefix(lines[0], "SEQ "), got)
	col := strings.Index(lines[0], "EVENT")
	sym := strings.Index(lines[0], "SYMBOL")
	for _, l := range lines[1:] {
		require.NotEmpty(t, l, got)
		require.Equal(t, strings.TrimSpace(l[:col]), strings.Fields(l)[0], got)
		require.NotEqual(t, ' ', l[col], got)
		require.Equal(t, ' ', rune(l[col-1]), got)
		// The column after EVENT lines up under its header too ("instrument"
		// is wider than the header).
		require.NotEqual(t, ' ', l[sym], got)
		require.Equal(t, ' ', rune(l[sym-1]), got)
	}
	require.NotContains(t, got, "unspecified")

	// An error has no header above it.
	out, err = cli(t, s, demoWebToken, "tail", "orders", "--account", demoDesk1)
	require.Error(t, err)
	require.NotContains(t, out, "SEQ")
}

// Every event kind fits the EVENT column's starting width, so a stream's
// header lines up with its rows.
func TestStreamEventWidth(t *testing.T) {
	for k := commerce.EventKind(1); k.String() != "event?"; k++ {
		require.LessOrEqual(t, len(k.String()), streamEventWidth, k.String())
	}
	for k := book.EventKind(1); k < 64; k++ {
		require.LessOrEqual(t, len(k.String()), streamEventWidth, k.String())
	}
}
