package fix

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/engine/book"
	"github.com/ordercore/oms/journal"
	"github.com/ordercore/oms/sequencer"
	"github.com/quickfixgo/quickfix"
	filelog "github.com/quickfixgo/quickfix/log/file"
	filestore "github.com/quickfixgo/quickfix/store/file"
	"github.com/quickfixgo/tag"
	"github.com/stretchr/testify/require"
)

// wait is how long a test waits for any one expected message.
const wait = 10 * time.Second

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// core is a journal on an in-memory file system, a recovered engine and a
// started sequencer: what `oms serve` builds, minus the disk.
type core struct {
	fs  vfs.FS
	j   *journal.Journal
	e   *engine.Engine
	seq *sequencer.Sequencer
}

func openCore(t testing.TB, fs vfs.FS) *core {
	t.Helper()
	return openCoreAt(t, fs, "journal")
}

func openCoreAt(t testing.TB, fs vfs.FS, dir string) *core {
	t.Helper()
	return openCoreWith(t, fs, dir, sequencer.Options{Logger: quietLogger()})
}

// openCoreWith opens the journal in dir on fs and starts a sequencer with
// opts (ResumeFromJournal, as `oms serve` sets it, say).
func openCoreWith(t testing.TB, fs vfs.FS, dir string, opts sequencer.Options) *core {
	t.Helper()
	j, err := journal.Open(dir, journal.Options{FS: fs, Logger: quietLogger()})
	require.NoError(t, err)
	e := engine.New()
	_, err = j.Recover(e, journal.ReplayOptions{})
	require.NoError(t, err)
	s, err := sequencer.New(e, j, opts)
	require.NoError(t, err)
	s.Start()
	return &core{fs: fs, j: j, e: e, seq: s}
}

func (c *core) close(t testing.TB) {
	t.Helper()
	require.NoError(t, c.seq.Close())
	require.NoError(t, c.j.Close())
}

func (c *core) submit(t testing.TB, bc book.Command) *sequencer.Result {
	t.Helper()
	res, err := c.seq.Submit(context.Background(), engine.Command{Kind: engine.KindTrade, Trade: bc})
	require.NoError(t, err)
	return res
}

func (c *core) digest(t testing.TB) engine.Digest {
	t.Helper()
	var d engine.Digest
	require.NoError(t, c.seq.Query(context.Background(), func(e *engine.Engine) { d = e.Digest() }))
	return d
}

// Test instrument: prices in cents, tick 0.05, lot 10.
const testSymbol = "ACME"

func seedBook(t testing.TB, c *core, accounts ...string) {
	t.Helper()
	res := c.submit(t, book.Command{Kind: book.CmdAddInstrument, Instrument: book.Instrument{
		Symbol: testSymbol, PriceDecimals: 2, TickSize: 5, LotSize: 10, Multiplier: 1, RefPrice: 10000, State: book.Open,
	}})
	require.Equal(t, book.EvInstrument, res.Trade[0].Kind)
	for _, a := range accounts {
		res := c.submit(t, book.Command{Kind: book.CmdAddAccount, Acct: book.Account{ID: a, STP: book.CancelAggressor}})
		require.Equal(t, book.EvAccount, res.Trade[0].Kind, "account %s: %v", a, res.Trade[0].Reason)
	}
}

// gatewaySettings returns acceptor settings for sessions OMS<->DESK1 (4.4)
// and OMS<->DESK2 (4.2), with extra lines appended to each session block.
func gatewaySettings(dir string, port int, desk1Extra, desk2Extra string) string {
	return fmt.Sprintf(`[DEFAULT]
ConnectionType=acceptor
SocketAcceptHost=127.0.0.1
SocketAcceptPort=%d
SenderCompID=OMS
HeartBtInt=30
FileStorePath=%s
FileStoreSync=N
FileLogPath=%s
ResetOnLogon=N
ResetOnLogout=N
ResetOnDisconnect=N

[SESSION]
BeginString=FIX.4.4
TargetCompID=DESK1
Accounts=DESK1
%s
[SESSION]
BeginString=FIX.4.2
TargetCompID=DESK2
Accounts=DESK2,DESK2B
%s`, port, filepath.Join(dir, "store"), filepath.Join(dir, "log"), desk1Extra, desk2Extra)
}

// listen opens 127.0.0.1:port (0 for any) and returns the listener and port.
func listen(t testing.TB, port int) (net.Listener, int) {
	t.Helper()
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	require.NoError(t, err)
	return l, l.Addr().(*net.TCPAddr).Port
}

func startGateway(t testing.TB, c *core, settings string, l net.Listener) *Gateway {
	t.Helper()
	return startGatewayWith(t, c, settings, l, Config{})
}

// startGatewayWith starts a gateway with cfg (its test hooks, say) on the
// settings and listener given.
func startGatewayWith(t testing.TB, c *core, settings string, l net.Listener, cfg Config) *Gateway {
	t.Helper()
	s, err := ParseSettings(strings.NewReader(settings))
	require.NoError(t, err)
	cfg.Settings, cfg.Listener, cfg.Logger = s, l, quietLogger()
	g, err := New(c.seq, cfg)
	require.NoError(t, err)
	require.NoError(t, g.Start())
	return g
}

// client is a QuickFIX/Go initiator: one desk.
type client struct {
	t        testing.TB
	id       quickfix.SessionID
	ini      *quickfix.Initiator
	password string
	app      chan *quickfix.Message // application messages received
	admin    chan *quickfix.Message // Reject (3) and Logout (5) received
	logon    chan struct{}
	logout   chan struct{}
	stopOnce sync.Once
}

func (c *client) OnCreate(quickfix.SessionID) {}
func (c *client) OnLogon(quickfix.SessionID)  { c.logon <- struct{}{} }
func (c *client) OnLogout(quickfix.SessionID) {
	select {
	case c.logout <- struct{}{}:
	default:
	}
}
func (c *client) ToAdmin(m *quickfix.Message, _ quickfix.SessionID) {
	if c.password != "" && m.IsMsgTypeOf("A") {
		m.Body.SetString(tag.Password, c.password)
	}
}
func (c *client) ToApp(*quickfix.Message, quickfix.SessionID) error { return nil }
func (c *client) FromAdmin(m *quickfix.Message, _ quickfix.SessionID) quickfix.MessageRejectError {
	if m.IsMsgTypeOf("3") || m.IsMsgTypeOf("5") {
		cp := quickfix.NewMessage()
		m.CopyInto(cp)
		c.admin <- cp
	}
	return nil
}
func (c *client) FromApp(m *quickfix.Message, _ quickfix.SessionID) quickfix.MessageRejectError {
	cp := quickfix.NewMessage()
	m.CopyInto(cp)
	c.app <- cp
	return nil
}

// newClient starts an initiator for beginString desk->OMS on port, with
// its store in dir (so its sequence numbers survive a reconnect).
func newClient(t testing.TB, dir, beginString, desk string, port int, password string) *client {
	t.Helper()
	text := fmt.Sprintf(`[DEFAULT]
ConnectionType=initiator
SocketConnectHost=127.0.0.1
SocketConnectPort=%d
HeartBtInt=30
ReconnectInterval=1
FileStorePath=%s
FileStoreSync=N
FileLogPath=%s
ResetOnLogon=N
[SESSION]
BeginString=%s
SenderCompID=%s
TargetCompID=OMS
`, port, filepath.Join(dir, desk, "store"), filepath.Join(dir, desk, "log"), beginString, desk)
	s, err := quickfix.ParseSettings(strings.NewReader(text))
	require.NoError(t, err)
	logs, err := filelog.NewLogFactory(s)
	require.NoError(t, err)
	c := &client{
		t: t, id: quickfix.SessionID{BeginString: beginString, SenderCompID: desk, TargetCompID: "OMS"},
		password: password, app: make(chan *quickfix.Message, 1<<16), admin: make(chan *quickfix.Message, 64),
		logon: make(chan struct{}, 16), logout: make(chan struct{}, 16),
	}
	c.ini, err = quickfix.NewInitiator(c, lockedStoreFactory{filestore.NewStoreFactory(s)}, s, logs)
	require.NoError(t, err)
	require.NoError(t, c.ini.Start())
	t.Cleanup(c.stop)
	return c
}

func (c *client) stop() { c.stopOnce.Do(c.ini.Stop) }

func (c *client) waitLogon() {
	c.t.Helper()
	select {
	case <-c.logon:
	case <-time.After(wait):
		c.t.Fatalf("%s: no logon within %v", c.id, wait)
	}
}

// send sends an application message with the given body fields, in order.
func (c *client) send(msgType string, fields ...any) {
	c.t.Helper()
	require.NoError(c.t, quickfix.SendToTarget(c.message(msgType, fields...), c.id))
}

// message builds what send sends.
func (c *client) message(msgType string, fields ...any) *quickfix.Message {
	m := quickfix.NewMessage()
	m.Header.SetString(tag.MsgType, msgType)
	for i := 0; i < len(fields); i += 2 {
		m.Body.SetString(fields[i].(quickfix.Tag), fields[i+1].(string))
	}
	if msgType == "D" || msgType == "F" || msgType == "G" || msgType == "q" {
		if !m.Body.Has(tag.TransactTime) {
			m.Body.SetField(tag.TransactTime, quickfix.FIXUTCTimestamp{Time: time.Now()})
		}
	}
	return m
}

// next returns the next application message.
func (c *client) next() *quickfix.Message {
	c.t.Helper()
	select {
	case m := <-c.app:
		return m
	case <-time.After(wait):
		c.t.Fatalf("%s: no application message within %v", c.id, wait)
	}
	return nil
}

// nextAdmin returns the next Reject or Logout.
func (c *client) nextAdmin() *quickfix.Message {
	c.t.Helper()
	select {
	case m := <-c.admin:
		return m
	case <-time.After(wait):
		c.t.Fatalf("%s: no admin message within %v", c.id, wait)
	}
	return nil
}

// none checks that no application message arrives within d.
func (c *client) none(d time.Duration) {
	c.t.Helper()
	select {
	case m := <-c.app:
		c.t.Fatalf("%s: unexpected message %s", c.id, m)
	case <-time.After(d):
	}
}

// fields is a message's fields by tag, for assertions.
func fields(t testing.TB, m *quickfix.Message) map[quickfix.Tag]string {
	t.Helper()
	out := map[quickfix.Tag]string{}
	for _, tg := range m.Header.Tags() {
		v, _ := m.Header.GetString(tg)
		out[tg] = v
	}
	for _, tg := range m.Body.Tags() {
		v, _ := m.Body.GetString(tg)
		out[tg] = v
	}
	return out
}

// expect checks that m has msgType and every tag=value pair in want.
func expect(t testing.TB, m *quickfix.Message, msgType string, want ...any) map[quickfix.Tag]string {
	t.Helper()
	f := fields(t, m)
	require.Equal(t, msgType, f[tag.MsgType], "message %s", m)
	for i := 0; i < len(want); i += 2 {
		tg := want[i].(quickfix.Tag)
		require.Equal(t, want[i+1].(string), f[tg], "tag %d in %s", tg, m)
	}
	return f
}

// env is a core, a gateway and two desks: DESK1 on FIX 4.4, DESK2 on 4.2.
type env struct {
	t      *testing.T
	dir    string
	core   *core
	gw     *Gateway
	port   int
	desk1  *client
	desk2  *client
	extra1 string
	extra2 string
}

func newEnv(t *testing.T, extra1, extra2 string) *env {
	t.Helper()
	return newEnvWith(t, Config{}, extra1, extra2)
}

// newEnvWith is newEnv with a gateway configured by cfg.
func newEnvWith(t *testing.T, cfg Config, extra1, extra2 string) *env {
	t.Helper()
	v := newServerWith(t, cfg, extra1, extra2)
	v.desk1 = newClient(t, v.dir, "FIX.4.4", "DESK1", v.port, "")
	v.desk2 = newClient(t, v.dir, "FIX.4.2", "DESK2", v.port, "")
	v.desk1.waitLogon()
	v.desk2.waitLogon()
	return v
}

// newServer starts the core and the gateway, without desks.
func newServer(t *testing.T, extra1, extra2 string) *env {
	t.Helper()
	return newServerWith(t, Config{}, extra1, extra2)
}

func newServerWith(t *testing.T, cfg Config, extra1, extra2 string) *env {
	t.Helper()
	v := &env{t: t, dir: t.TempDir(), extra1: extra1, extra2: extra2}
	v.core = openCore(t, vfs.NewMem())
	seedBook(t, v.core, "DESK1", "DESK2", "DESK2B", "OTHER")
	l, port := listen(t, 0)
	v.port = port
	v.gw = startGatewayWith(t, v.core, gatewaySettings(v.dir, port, extra1, extra2), l, cfg)
	t.Cleanup(func() {
		for _, c := range []*client{v.desk1, v.desk2} {
			if c != nil {
				c.stop()
			}
		}
		require.NoError(t, v.gw.Close())
		v.core.close(t)
	})
	return v
}

func TestMain(m *testing.M) {
	os.Exit(m.Run())
}
