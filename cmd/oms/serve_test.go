package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/journal"
	pb "github.com/ordercore/oms/proto/omsv1"
)

// testConfig is a server on loopback port 0 with data in a temp dir.
func testConfig(t *testing.T, dir string) Config {
	cfg := defaultConfig()
	cfg.DataDir = dir
	cfg.GRPCAddr = "127.0.0.1:0"
	cfg.MetricsAddr = "127.0.0.1:0"
	cfg.FIXAddr = ""
	// No ticks: the tests count sequence numbers (TestServeTicksExpireReservations
	// turns them on).
	cfg.TickInterval = 0
	return cfg
}

func startTest(t *testing.T, cfg Config) *server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := startServer(ctx, cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Shutdown() })
	return s
}

// cli runs an oms client subcommand against s and returns its output.
func cli(t *testing.T, s *server, token string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	args = append(args, "--addr", s.GRPCAddr(), "--token", token)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var err error
	for _, sc := range subcommands() {
		if sc.name == args[0] {
			err = sc.run(ctx, args[1:], &out, &errOut)
		}
	}
	return out.String() + errOut.String(), err
}

func TestServeDemoAndCLI(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, dir)
	cfg.Demo, cfg.Pprof = true, true
	s := startTest(t, cfg)

	out, err := cli(t, s, demoWebToken, "order", "place", "--id", "W-1", "--customer", "alice", "--ship-to", "48.85,2.35",
		"--line", "TSHIRT-M:2:1999", "--line", "MUG:1:899")
	require.NoError(t, err, out)
	require.Contains(t, out, "order-created")
	out, err = cli(t, s, demoWebToken, "order", "place", "--id", "W-1", "--customer", "alice", "--ship-to", "48.85,2.35",
		"--line", "TSHIRT-M:2:1999", "--line", "MUG:1:899", "--json")
	require.NoError(t, err, out)
	require.Contains(t, out, `"duplicate":true`)
	out, err = cli(t, s, demoWebToken, "order", "get", "--id", "1")
	require.NoError(t, err, out)
	require.Contains(t, out, "TSHIRT-M")
	out, err = cli(t, s, demoWebToken, "order", "list", "--customer", "alice")
	require.NoError(t, err, out)
	require.Contains(t, out, "W-1")
	out, err = cli(t, s, demoWebToken, "order", "cancel", "--id", "1", "--line", "2:1")
	require.NoError(t, err, out)
	require.Contains(t, out, "cancelled")
	// A partial cancel retried under its request id cancels one unit.
	for i := range 2 {
		out, err = cli(t, s, demoWebToken, "order", "cancel", "--id", "1", "--line", "1:1", "--request-id", "cx-7", "--json")
		require.NoError(t, err, out)
		require.Equal(t, i == 1, strings.Contains(out, `"duplicate":true`), out)
	}

	out, err = cli(t, s, demoAdminToken, "stock", "set", "--sku", "MUG", "--loc", "1", "--on-hand", "450", "--version", "2")
	require.NoError(t, err, out)
	out, err = cli(t, s, demoAdminToken, "stock", "adjust", "--sku", "MUG", "--loc", "1", "--delta", "-5", "--reason", "damage")
	require.NoError(t, err, out)
	require.Contains(t, out, "445")
	out, err = cli(t, s, demoWebToken, "stock", "avail", "--sku", "MUG", "--per-location", "--json")
	require.NoError(t, err, out)
	require.Contains(t, out, `"on_hand":"445"`)
	// A retried adjustment under its request id is applied once.
	for range 2 {
		out, err = cli(t, s, demoAdminToken, "stock", "adjust", "--sku", "MUG", "--loc", "1", "--delta", "-5", "--reason", "damage",
			"--request-id", "count-7")
		require.NoError(t, err, out)
		require.Contains(t, out, "440")
	}
	out, err = cli(t, s, demoWebToken, "stock", "avail", "--sku", "MUG", "--per-location", "--json")
	require.NoError(t, err, out)
	require.Contains(t, out, `"on_hand":"440"`)

	out, err = cli(t, s, demoAdminToken, "retention", "set", "--archive-after", "never", "--dedup-window", "48h")
	require.NoError(t, err, out)
	require.Contains(t, out, "never")
	out, err = cli(t, s, demoAdminToken, "retention", "get")
	require.NoError(t, err, out)
	require.Contains(t, out, "48h0m0s")
	// A flag left out keeps its rule: archiving stays off.
	out, err = cli(t, s, demoAdminToken, "retention", "set", "--dedup-window", "72h")
	require.NoError(t, err, out)
	require.Contains(t, out, "never")
	require.Contains(t, out, "72h0m0s")
	_, err = cli(t, s, demoAdminToken, "retention", "set")
	require.ErrorContains(t, err, "give --archive-after")
	out, err = cli(t, s, demoAdminToken, "retention", "set", "--archive-after", "soon")
	require.Error(t, err, out)
	require.Contains(t, err.Error(), "--archive-after")
	_, err = cli(t, s, demoWebToken, "retention", "get")
	require.ErrorContains(t, err, "PermissionDenied")

	out, err = cli(t, s, demoDeskToken, "trade", "new", "--account", demoDesk1, "--symbol", "ACME", "--clordid", "c1",
		"--side", "sell", "--qty", "10", "--price", "10050", "--tif", "gtc")
	require.NoError(t, err, out)
	out, err = cli(t, s, demoDeskToken, "book", "depth", "--symbol", "ACME")
	require.NoError(t, err, out)
	require.Contains(t, out, "10050")
	out, err = cli(t, s, demoDeskToken, "trade", "open", "--account", demoDesk1)
	require.NoError(t, err, out)
	require.Contains(t, out, "c1")
	_, err = cli(t, s, demoDeskToken, "trade", "cancel", "--account", demoDesk1, "--orig-clordid", "c1")
	require.ErrorContains(t, err, "--clordid: required")
	out, err = cli(t, s, demoDeskToken, "trade", "cancel", "--account", demoDesk1, "--orig-clordid", "c1", "--clordid", "x1")
	require.NoError(t, err, out)
	require.Contains(t, out, "canceled")

	// Errors read well and name the field.
	_, err = cli(t, s, demoWebToken, "order", "place", "--id", "W-2", "--customer", "a", "--line", "MUG:0")
	require.ErrorContains(t, err, "lines[0].qty")
	_, err = cli(t, s, demoWebToken, "stock", "set", "--sku", "MUG", "--loc", "1", "--on-hand", "1", "--version", "3")
	require.ErrorContains(t, err, "PermissionDenied")

	// Metrics and pprof.
	body := httpGet(t, "http://"+s.MetricsAddr()+"/metrics")
	require.Contains(t, body, `oms_grpc_requests_total{code="OK",method="/oms.v1.CommerceService/PlaceOrder"} 2`)
	require.Contains(t, body, "oms_sequencer_batches_total")
	require.Contains(t, body, `oms_trade_orders{state="live"}`)
	require.Contains(t, httpGet(t, "http://"+s.MetricsAddr()+"/debug/pprof/"), "goroutine")
	require.Eventually(t, func() bool {
		return strings.Contains(httpGet(t, "http://"+s.MetricsAddr()+"/metrics"), `oms_commerce_orders{status="allocated"} 1`)
	}, 10*time.Second, 20*time.Millisecond, "the order placed is counted once, the re-submit not at all")

	// Restart: the state is intact.
	out, err = cli(t, s, demoAdminToken, "status", "--json")
	require.NoError(t, err, out)
	var before, after struct{ Digest, LastSeq string }
	require.NoError(t, json.Unmarshal([]byte(out), &before))
	require.NoError(t, s.Shutdown())
	require.NoError(t, s.Shutdown(), "idempotent")
	s = startTest(t, cfg)
	out, err = cli(t, s, demoAdminToken, "status", "--json")
	require.NoError(t, err, out)
	require.NoError(t, json.Unmarshal([]byte(out), &after))
	require.Equal(t, before, after)
}

func httpGet(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	return string(b)
}

func TestServeCreatesAdminTokenFile(t *testing.T) {
	dir := t.TempDir()
	s := startTest(t, testConfig(t, dir))
	tok, err := os.ReadFile(filepath.Join(dir, "admin.token"))
	require.NoError(t, err)
	fi, err := os.Stat(filepath.Join(dir, "admin.token"))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	out, err := cli(t, s, strings.TrimSpace(string(tok)), "status")
	require.NoError(t, err, out)
	require.Contains(t, out, "last_seq  0")
	_, err = cli(t, s, "wrong-token-0000000000", "status")
	require.ErrorContains(t, err, "Unauthenticated")
}

func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	cert, key := writeSelfSigned(t, dir)
	cfg := testConfig(t, dir)
	cfg.TLSCert, cfg.TLSKey, cfg.Demo = cert, key, true
	s := startTest(t, cfg)
	out, err := cli(t, s, demoAdminToken, "status", "--tls", "--ca", cert)
	require.NoError(t, err, out)
	require.Contains(t, out, "digest")
	_, err = cli(t, s, demoAdminToken, "status", "--timeout", "2s") // plaintext against TLS
	require.Error(t, err)
}

func TestServeRefusesBadTLSFiles(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	cfg.TLSCert, cfg.TLSKey = "/nonexistent/cert.pem", "/nonexistent/key.pem"
	_, err := startServer(context.Background(), cfg, slog.New(slog.DiscardHandler))
	require.ErrorContains(t, err, "tls_cert")
}

// writeSelfSigned writes a certificate for 127.0.0.1 and its key.
func writeSelfSigned(t *testing.T, dir string) (certPath, keyPath string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "oms-test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	require.NoError(t, err)
	kb, err := x509.MarshalECPrivateKey(k)
	require.NoError(t, err)
	certPath, keyPath = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	require.NoError(t, os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	require.NoError(t, os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600))
	return certPath, keyPath
}

// TestRunServeShutsDownOnSignal runs `oms serve` as main does and stops it
// the way SIGTERM does (main's signal context is cancelled).
func TestRunServeShutsDownOnSignal(t *testing.T) {
	before := debug.SetGCPercent(100)
	debug.SetGCPercent(before)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- runServe(ctx, []string{"--data-dir", dir, "--grpc-addr", "127.0.0.1:0", "--metrics-addr", "", "--fix-addr", "",
			"--demo", "--log-level", "error", "--gc-percent", "300"}, pw, io.Discard)
		_ = pw.Close()
	}()
	line := make([]byte, 200)
	n, err := pr.Read(line)
	require.NoError(t, err)
	require.Contains(t, string(line[:n]), "oms serving gRPC on 127.0.0.1:")
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
	require.Equal(t, 300, debug.SetGCPercent(before), "gc_percent was applied")
	// The shutdown snapshot is there: a restart replays nothing.
	cfg := testConfig(t, dir)
	cfg.Demo = true
	s := startTest(t, cfg)
	out, err := cli(t, s, demoAdminToken, "status")
	require.NoError(t, err, out)
	require.Contains(t, out, "last_seq  22")
}

func TestServeStartsDemoFIX(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	cfg.Demo, cfg.FIXAddr = true, "127.0.0.1:0"
	s := startTest(t, cfg)
	require.NotEmpty(t, s.fixAddr)
	conn, err := net.DialTimeout("tcp", s.fixAddr, 5*time.Second)
	require.NoError(t, err)
	require.NoError(t, conn.Close())
	require.NoError(t, s.Shutdown())
	// The sessions were released: a second server in this process can
	// serve them again.
	s = startTest(t, cfg)
	require.NotEmpty(t, s.fixAddr)
}

func TestTailResumesFromSeq(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	cfg.Demo = true
	s := startTest(t, cfg)
	out, err := cli(t, s, demoDeskToken, "trade", "new", "--account", demoDesk1, "--symbol", "ACME", "--clordid", "c1",
		"--side", "buy", "--qty", "3", "--price", "9990", "--tif", "gtc")
	require.NoError(t, err, out)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- runTail(ctx, []string{"market", "--from", "1", "--symbol", "ACME", "--addr", s.GRPCAddr(), "--token", demoDeskToken}, pw, io.Discard)
		_ = pw.Close()
	}()
	var got strings.Builder
	buf := make([]byte, 4096)
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(got.String(), "9990") && time.Now().Before(deadline) {
		n, err := pr.Read(buf)
		require.NoError(t, err)
		got.Write(buf[:n])
	}
	cancel()
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	require.NoError(t, <-done)
	require.Contains(t, got.String(), "instrument", "the demo's instrument definition, from seq 1")
	require.Contains(t, got.String(), "level")
	require.Contains(t, got.String(), "9990")
}

func TestLoadBothModes(t *testing.T) {
	s := startTest(t, func() Config { c := testConfig(t, t.TempDir()); c.Demo = true; return c }())
	for _, args := range [][]string{{"--mode", "stream"}, {"--mode", "unary", "--conns", "2"}, {"--mode", "unary", "--hot-sku"},
		{"--mode", "stream", "--pipeline", "8", "--conns", "1"}} {
		out, err := cli(t, s, demoAdminToken, append([]string{"load", "--clients", "4", "--rate", "200,max", "--duration", "500ms",
			"--warmup", "100ms", "--skus", "5", "--server-pid", strconv.Itoa(os.Getpid())}, args...)...)
		require.NoError(t, err, out)
		require.Contains(t, out, args[1]+", 4 clients")
		require.NotContains(t, out, "first error", out)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		require.Len(t, lines, 4, out)
		for _, l := range lines[2:] {
			f := strings.Fields(l)
			require.Len(t, f, 12, out)
			require.Equal(t, "0", f[2], "no errors: %s", out)
			require.NotEqual(t, "0", f[1], "some orders: %s", out)
			require.NotEqual(t, "-", f[11], "the server's CPU per order: %s", out)
		}
	}
	err := runLoad(context.Background(), []string{"--addr", "10.0.0.1:50051", "--token", demoAdminToken}, io.Discard, io.Discard)
	require.ErrorContains(t, err, "loopback")
}

// metricValue returns the value of the sample named exactly name (with its
// labels, if any) in a Prometheus text exposition.
func metricValue(t *testing.T, body, name string) float64 {
	t.Helper()
	for _, line := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			require.NoError(t, err, line)
			return f
		}
	}
	require.Failf(t, "metric missing", "%s not in /metrics", name)
	return 0
}

func TestServeMetricsJournalSyncAndInbox(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	cfg.Demo = true // the catalogue is loaded through the sequencer
	s := startTest(t, cfg)
	for i := range 5 {
		out, err := cli(t, s, demoWebToken, "order", "place", "--id", fmt.Sprintf("M-%d", i), "--customer", "a", "--ship-to", "48.85,2.35", "--line", "MUG:1")
		require.NoError(t, err, out)
	}
	// The histograms are fed before a batch is applied, the counters after
	// its replies: scrape until they agree.
	var body string
	var commands, batches float64
	require.Eventually(t, func() bool {
		body = httpGet(t, "http://"+s.MetricsAddr()+"/metrics")
		commands = metricValue(t, body, "oms_sequencer_commands_total")
		batches = metricValue(t, body, "oms_sequencer_batches_total")
		return batches == metricValue(t, body, "oms_journal_sync_seconds_count") &&
			commands == metricValue(t, body, "oms_sequencer_batch_size_sum")
	}, 10*time.Second, 10*time.Millisecond, "every journal write is observed once, with its size and its time")
	require.GreaterOrEqual(t, commands, 5.0)
	require.Equal(t, batches, metricValue(t, body, "oms_sequencer_batch_size_count"))
	sync := metricValue(t, body, "oms_journal_sync_seconds_sum")
	require.Positive(t, sync, "a synced write takes time")
	require.Less(t, sync/batches, 5.0, "a mean sync under 5s is plausible")
	require.Contains(t, body, `oms_journal_sync_seconds_bucket{le="+Inf"}`)
	depth := metricValue(t, body, "oms_sequencer_inbox_depth")
	require.GreaterOrEqual(t, depth, 0.0)
	require.LessOrEqual(t, depth, float64(cfg.InboxSize))
}

// retain_commands and keep_snapshots reach the journal: a snapshot prunes
// the commands and snapshots beyond them, and the state is intact.
func TestServeRetention(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	cfg.Demo = true
	cfg.RetainCommands, cfg.KeepSnapshots = 2, 1
	s := startTest(t, cfg)
	require.Greater(t, s.j.LastSeq(), uint64(3), "the demo catalogue is more than a few commands")
	_, err := s.seq.Snapshot(context.Background())
	require.NoError(t, err)
	_, err = cli(t, s, demoWebToken, "order", "place", "--id", "R-1", "--customer", "a", "--ship-to", "48.85,2.35", "--line", "MUG:1")
	require.NoError(t, err)
	last, err := s.seq.Snapshot(context.Background())
	require.NoError(t, err)
	require.Equal(t, last-1, s.j.FirstSeq(), "two commands kept, at and below the latest snapshot")
	snaps, err := s.j.Snapshots()
	require.NoError(t, err)
	require.Len(t, snaps, 1)
	require.Error(t, s.j.Replayable(1), "seq 1 is no longer in the journal")

	require.NoError(t, s.Shutdown())
	s = startTest(t, cfg)
	out, err := cli(t, s, demoWebToken, "order", "get", "--channel", "web", "--channel-order-id", "R-1")
	require.NoError(t, err, out)
	require.Contains(t, out, "R-1", "the state after the pruned commands is intact")
}

// TestServeRefusesOtherRules: a journal whose commands a build of other
// engine rules wrote is refused at start, naming the seq and the way out;
// replay_other_rules starts it knowingly, and the snapshot its graceful
// stop takes carries the state across, so the next plain start replays
// nothing of the other build's.
func TestServeRefusesOtherRules(t *testing.T) {
	dir := t.TempDir()
	_, final := writeJournalRules(t, filepath.Join(dir, "journal"), 250, 0, engine.RulesVersion+1)
	cfg := testConfig(t, dir)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := startServer(ctx, cfg, slog.New(slog.DiscardHandler))
	require.ErrorIs(t, err, journal.ErrRules)
	require.ErrorContains(t, err, "seq 1 was journaled under engine rules")
	require.ErrorContains(t, err, "--replay-other-rules")

	cfg.ReplayOtherRules = true
	s := startTest(t, cfg)
	require.Equal(t, uint64(250), s.j.LastSeq())
	require.NoError(t, s.Shutdown())

	cfg.ReplayOtherRules = false
	s = startTest(t, cfg)
	var d engine.Digest
	require.NoError(t, s.seq.Query(context.Background(), func(e *engine.Engine) { d = e.Digest() }))
	require.Equal(t, final, d)
}

// TestServeTicksExpireReservations: the server ticks by itself
// (tick_interval), so a cart hold goes back to available stock when its
// time is up, with no other command to carry the time.
func TestServeTicksExpireReservations(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	cfg.Demo = true
	cfg.TickInterval = Duration(20 * time.Millisecond)
	s := startTest(t, cfg)
	conn, err := grpc.NewClient(s.GRPCAddr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	defer conn.Close()
	cc := pb.NewCommerceServiceClient(conn)
	ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+demoWebToken)
	reserved := func() int64 {
		av, err := cc.GetAvailability(ctx, &pb.GetAvailabilityRequest{Skus: []string{"MUG"}, PerLocation: true})
		require.NoError(t, err)
		var n int64
		for _, l := range av.GetSkus()[0].GetLocations() {
			n += l.GetLevel().GetReserved()
		}
		return n
	}
	before := reserved()
	_, err = cc.Reserve(ctx, &pb.ReserveRequest{Sku: "MUG", LocationId: 1, Qty: 2, TtlNanos: int64(50 * time.Millisecond)})
	require.NoError(t, err)
	require.Equal(t, before+2, reserved())
	require.Eventually(t, func() bool { return reserved() == before }, 10*time.Second, 10*time.Millisecond,
		"the reservation should expire on a tick")
}
