package fix

import (
	"crypto/tls"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/quickfixgo/quickfix"
	filelog "github.com/quickfixgo/quickfix/log/file"
	filestore "github.com/quickfixgo/quickfix/store/file"
	"github.com/quickfixgo/tag"
	"github.com/stretchr/testify/require"
)

// The round-trip benchmarks send NewOrderSingles from N initiator sessions
// and time each one until its first ExecutionReport arrives, through the
// gateway (sequencer, journal in memory or on disk, engine) or through a
// trivial echo acceptor that answers every D with an ER at once (the FIX
// stack's own cost). Every session keeps `window` orders outstanding: 1
// measures the unloaded round trip, 8 the throughput. Orders rest (buys at
// 90.00, sells at 110.00), so each gets exactly one report. Latency is
// recorded in an HdrHistogram, in microseconds.
//
//	go test -run '^$' -bench RoundTrip -benchtime 1x -count 5 ./fix/
//
// NB: QuickFIX/Go v0.9.11's session loop busy-waits while a queued message
// cannot be handed to its connection's writer goroutine (a non-blocking
// send, then it re-notifies itself). With GOMAXPROCS equal to a small core
// count, a spinning session holds its P until preemption (~10 ms) and the
// writer it readied waits; windows above 1 and several sessions collapse.
// `-cpu 8` on a 2-core machine shows the difference.

const benchOrdersPerSession = 500

// benchSettings returns acceptor settings for n FIX.4.4 sessions OMS->DESKi
// trading account DESKi, without a rate limit.
func benchSettings(dir string, port, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "[DEFAULT]\nConnectionType=acceptor\nSocketAcceptHost=127.0.0.1\nSocketAcceptPort=%d\n", port)
	fmt.Fprintf(&b, "SenderCompID=OMS\nHeartBtInt=30\nFileStorePath=%s\nFileStoreSync=N\nFileLogPath=%s\n",
		filepath.Join(dir, "store"), filepath.Join(dir, "log"))
	b.WriteString("ResetOnLogon=Y\nMaxMessagesPerSecond=100000000\n")
	for i := range n {
		fmt.Fprintf(&b, "[SESSION]\nBeginString=FIX.4.4\nTargetCompID=DESK%d\nAccounts=DESK%d\n", i, i)
	}
	return b.String()
}

// benchClient is an initiator that records order-to-report latencies.
type benchClient struct {
	id     quickfix.SessionID
	ini    *quickfix.Initiator
	logon  chan struct{}
	tokens chan struct{} // one per outstanding order
	sent   []int64       // send time by order number, unix nanos
	got    atomic.Int64
	hist   *hdrhistogram.Histogram // FromApp's goroutine only
	done   chan struct{}
	target int64
}

func (c *benchClient) OnCreate(quickfix.SessionID)                       {}
func (c *benchClient) OnLogon(quickfix.SessionID)                        { c.logon <- struct{}{} }
func (c *benchClient) OnLogout(quickfix.SessionID)                       {}
func (c *benchClient) ToAdmin(*quickfix.Message, quickfix.SessionID)     {}
func (c *benchClient) ToApp(*quickfix.Message, quickfix.SessionID) error { return nil }
func (c *benchClient) FromAdmin(*quickfix.Message, quickfix.SessionID) quickfix.MessageRejectError {
	return nil
}

func (c *benchClient) FromApp(m *quickfix.Message, _ quickfix.SessionID) quickfix.MessageRejectError {
	now := time.Now().UnixNano()
	id, err := m.Body.GetString(tag.ClOrdID)
	if err != nil {
		return nil
	}
	n, perr := strconv.Atoi(id)
	if perr != nil || n >= len(c.sent) {
		return nil
	}
	_ = c.hist.RecordValue((now - c.sent[n]) / 1000)
	<-c.tokens
	if c.got.Add(1) == c.target {
		close(c.done)
	}
	return nil
}

func newBenchClient(b *testing.B, dir string, port, i int) *benchClient {
	b.Helper()
	desk := fmt.Sprintf("DESK%d", i)
	text := fmt.Sprintf("[DEFAULT]\nConnectionType=initiator\nSocketConnectHost=127.0.0.1\nSocketConnectPort=%d\n"+
		"HeartBtInt=30\nReconnectInterval=1\nFileStorePath=%s\nFileStoreSync=N\nFileLogPath=%s\nResetOnLogon=Y\n"+
		"[SESSION]\nBeginString=FIX.4.4\nSenderCompID=%s\nTargetCompID=OMS\n",
		port, filepath.Join(dir, desk, "store"), filepath.Join(dir, desk, "log"), desk)
	s, err := quickfix.ParseSettings(strings.NewReader(text))
	require.NoError(b, err)
	logs, err := filelog.NewLogFactory(s)
	require.NoError(b, err)
	c := &benchClient{
		id:    quickfix.SessionID{BeginString: "FIX.4.4", SenderCompID: desk, TargetCompID: "OMS"},
		logon: make(chan struct{}, 4), hist: hdrhistogram.New(1, 60_000_000, 3),
	}
	c.ini, err = quickfix.NewInitiator(c, lockedStoreFactory{filestore.NewStoreFactory(s)}, s, logs)
	require.NoError(b, err)
	require.NoError(b, c.ini.Start())
	b.Cleanup(c.ini.Stop)
	select {
	case <-c.logon:
	case <-time.After(wait):
		b.Fatalf("%s: no logon", desk)
	}
	return c
}

// run sends n orders with at most window outstanding and waits for every
// first report.
func (c *benchClient) run(b *testing.B, n, window int, acct string) {
	c.sent = make([]int64, n)
	c.tokens = make(chan struct{}, window)
	c.done = make(chan struct{})
	c.got.Store(0)
	c.target = int64(n)
	for i := range n {
		m := quickfix.NewMessage()
		m.Header.SetString(tag.MsgType, "D")
		m.Body.SetString(tag.ClOrdID, strconv.Itoa(i))
		m.Body.SetString(tag.Account, acct)
		m.Body.SetString(tag.Symbol, testSymbol)
		side, px := "1", "90.00"
		if i%2 == 1 {
			side, px = "2", "110.00"
		}
		m.Body.SetString(tag.Side, side)
		m.Body.SetString(tag.OrderQty, "10")
		m.Body.SetString(tag.OrdType, "2")
		m.Body.SetString(tag.Price, px)
		m.Body.SetField(tag.TransactTime, quickfix.FIXUTCTimestamp{Time: time.Now()})
		c.tokens <- struct{}{}
		c.sent[i] = time.Now().UnixNano()
		if err := quickfix.SendToTarget(m, c.id); err != nil {
			b.Error(err)
			return
		}
	}
	select {
	case <-c.done:
	case <-time.After(time.Minute):
		b.Errorf("%s: %d of %d reports", c.id, c.got.Load(), n)
	}
}

// benchRoundTrip drives sessions clients against whatever listens on port.
func benchRoundTrip(b *testing.B, clients []*benchClient, window int) {
	var total int64
	var elapsed time.Duration
	for b.Loop() {
		start := time.Now()
		var wg sync.WaitGroup
		for i, c := range clients {
			wg.Go(func() { c.run(b, benchOrdersPerSession, window, fmt.Sprintf("DESK%d", i)) })
		}
		wg.Wait()
		elapsed += time.Since(start)
		total += int64(benchOrdersPerSession * len(clients))
	}
	h := hdrhistogram.New(1, 60_000_000, 3)
	for _, c := range clients {
		h.Merge(c.hist)
	}
	b.ReportMetric(float64(total)/elapsed.Seconds(), "orders/s")
	for _, q := range []float64{50, 90, 99, 99.9} {
		b.ReportMetric(float64(h.ValueAtQuantile(q)), fmt.Sprintf("p%g-µs", q))
	}
	b.ReportMetric(float64(h.Max()), "max-µs")
}

func BenchmarkRoundTrip(b *testing.B) {
	for _, target := range []string{"gateway/journal=mem", "gateway/journal=disk", "echo"} {
		for _, sessions := range []int{1, 4} {
			for _, window := range []int{1, 8} {
				name := fmt.Sprintf("%s/sessions=%d/window=%d", target, sessions, window)
				b.Run(name, func(b *testing.B) {
					dir := b.TempDir()
					l, port := listen(b, 0)
					if target == "echo" {
						startEcho(b, benchSettings(dir, port, sessions), l)
					} else {
						startBenchGateway(b, target == "gateway/journal=disk", dir, port, sessions, l)
					}
					benchRoundTrip(b, benchClients(b, dir, port, sessions), window)
				})
			}
		}
	}
}

// startBenchGateway starts a core (journal in memory or on disk) with one
// account per session, and the gateway in front of it.
func startBenchGateway(b *testing.B, disk bool, dir string, port, sessions int, l net.Listener) {
	var fs vfs.FS = vfs.NewMem()
	if disk {
		fs = vfs.Default
	}
	c := openCoreAt(b, fs, filepath.Join(dir, "journal"))
	b.Cleanup(func() { c.close(b) })
	var accts []string
	for i := range sessions {
		accts = append(accts, fmt.Sprintf("DESK%d", i))
	}
	seedBook(b, c, accts...)
	g := startGateway(b, c, benchSettings(dir, port, sessions), l)
	b.Cleanup(func() { require.NoError(b, g.Close()) })
}

func benchClients(b *testing.B, dir string, port, n int) []*benchClient {
	out := make([]*benchClient, n)
	for i := range n {
		out[i] = newBenchClient(b, dir, port, i)
	}
	return out
}

// echoApp answers every NewOrderSingle with an ExecutionReport New, and does
// nothing else: the FIX stack's own cost.
type echoApp struct{ n atomic.Uint64 }

func (a *echoApp) OnCreate(quickfix.SessionID)                       {}
func (a *echoApp) OnLogon(quickfix.SessionID)                        {}
func (a *echoApp) OnLogout(quickfix.SessionID)                       {}
func (a *echoApp) ToAdmin(*quickfix.Message, quickfix.SessionID)     {}
func (a *echoApp) ToApp(*quickfix.Message, quickfix.SessionID) error { return nil }
func (a *echoApp) FromAdmin(*quickfix.Message, quickfix.SessionID) quickfix.MessageRejectError {
	return nil
}

func (a *echoApp) FromApp(m *quickfix.Message, id quickfix.SessionID) quickfix.MessageRejectError {
	n := strconv.FormatUint(a.n.Add(1), 10)
	r := newMessage("8")
	b := &r.Body
	for _, t := range []quickfix.Tag{tag.ClOrdID, tag.Account, tag.Symbol, tag.Side, tag.OrderQty, tag.OrdType, tag.Price} {
		if v, err := m.Body.GetString(t); err == nil {
			b.SetString(t, v)
		}
	}
	b.SetString(tag.OrderID, n)
	b.SetString(tag.ExecID, n)
	b.SetString(tag.ExecType, "0")
	b.SetString(tag.OrdStatus, "0")
	b.SetString(tag.CumQty, "0")
	b.SetString(tag.LeavesQty, "10")
	b.SetString(tag.AvgPx, "0.00")
	setTime(r, time.Now())
	_ = quickfix.SendToTarget(r, id)
	return nil
}

func startEcho(b *testing.B, settings string, l net.Listener) {
	b.Helper()
	s, err := quickfix.ParseSettings(strings.NewReader(settings))
	require.NoError(b, err)
	logs, err := filelog.NewLogFactory(s)
	require.NoError(b, err)
	a, err := quickfix.NewAcceptor(&echoApp{}, filestore.NewStoreFactory(s), s, logs)
	require.NoError(b, err)
	a.SetNewListenerCallback(func(string, *tls.Config) (net.Listener, error) { return l, nil })
	require.NoError(b, a.Start())
	b.Cleanup(a.Stop)
}
