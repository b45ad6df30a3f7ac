package bench

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/quickfixgo/quickfix"
	"github.com/quickfixgo/tag"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/engine/book"
	"github.com/ordercore/oms/fix"
	"github.com/ordercore/oms/journal"
	"github.com/ordercore/oms/sequencer"
)

// maxFIXSessions bounds the FIX sessions sharing the load: one per trade
// account (16 by default), as desks each have their own. The gateway
// handles one message per session at a time, each waiting for its journal
// write, so the sessions are what lets group commit batch FIX traffic.
const maxFIXSessions = 16

// fixReplyTimeout bounds the wait for one request's first report.
const fixReplyTimeout = 10 * time.Second

// fixTarget drives the FIX gateway through QuickFIX/Go initiator sessions
// over 127.0.0.1: each op sends a NewOrderSingle, OrderCancelRequest or
// OrderCancelReplaceRequest and waits for the first report carrying its
// ClOrdID (an ExecutionReport, an OrderCancelReject or a
// BusinessMessageReject).
type fixTarget struct {
	s     *stream
	dir   string
	j     *journal.Journal
	seq   *sequencer.Sequencer
	gw    *fix.Gateway
	ini   *quickfix.Initiator
	ids   []quickfix.SessionID // initiator side, by session number
	byAcc map[string]int       // account -> session number
	// side and price of the order each steady cancel or replace addresses,
	// which FIX wants repeated and the engine's command does not carry.
	side  []book.Side
	price []book.Price

	pending   sync.Map // ClOrdID -> chan bool (true: refused)
	logons    chan quickfix.SessionID
	lastAdmin atomic.Pointer[string] // the last session-level Reject, for errors
}

func newFIXTarget(_ context.Context, s *stream, o *Options) (_ *fixTarget, err error) {
	if s.trade == nil {
		return nil, fmt.Errorf("bench: the fix scenario runs the trade workload only")
	}
	t := &fixTarget{s: s, byAcc: map[string]int{}, logons: make(chan quickfix.SessionID, maxFIXSessions)}
	t.j, t.seq, t.dir, err = startDurable(o.TempDir)
	if err != nil {
		return nil, err
	}
	t.orderTerms()
	return t, nil
}

// orderTerms follows every order through the stream to know the side and
// current price that each cancel and replace refers to.
func (t *fixTarget) orderTerms() {
	type terms struct {
		side  book.Side
		price book.Price
	}
	live := map[string]terms{}
	for i := range t.s.trade.Setup {
		if c := &t.s.trade.Setup[i]; c.Kind == book.CmdNewOrder {
			live[c.ClOrdID] = terms{c.Side, c.Price}
		}
	}
	steady := t.s.trade.Steady
	t.side, t.price = make([]book.Side, len(steady)), make([]book.Price, len(steady))
	for i := range steady {
		c := &steady[i]
		switch c.Kind {
		case book.CmdNewOrder:
			live[c.ClOrdID] = terms{c.Side, c.Price}
		case book.CmdCancel, book.CmdReplace:
			o := live[c.OrigClOrdID]
			t.side[i], t.price[i] = o.side, o.price
			if c.Kind == book.CmdReplace {
				if c.Price != 0 {
					o.price = c.Price
				}
				live[c.ClOrdID] = o
			}
		}
	}
}

func (t *fixTarget) setup(ctx context.Context) error {
	// The book is built through the sequencer: the gateway loads the
	// instrument at Start, and the resting orders' reports have nobody
	// to go to.
	err := runPhases(ctx, t.s.setupPhases(), 64, func(ctx context.Context, c *engine.Command) error {
		res, err := t.seq.Submit(ctx, *c)
		if err != nil {
			return err
		}
		return setupRejected(res.Trade, res.Commerce)
	})
	if err != nil {
		return err
	}
	var accounts [][]string
	for i := range t.s.trade.Setup {
		if c := &t.s.trade.Setup[i]; c.Kind == book.CmdAddAccount {
			k := len(t.byAcc) % maxFIXSessions
			if k == len(accounts) {
				accounts = append(accounts, nil)
			}
			t.byAcc[c.Acct.ID] = k
			accounts[k] = append(accounts[k], c.Acct.ID)
		}
	}
	if err := t.startAcceptor(accounts); err != nil {
		return err
	}
	return t.waitLogons(ctx)
}

func (t *fixTarget) startAcceptor(accounts [][]string) error {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("bench: fix listen: %w", err)
	}
	port := lis.Addr().(*net.TCPAddr).Port
	var acc, ini strings.Builder
	fmt.Fprintf(&acc, "[DEFAULT]\nConnectionType=acceptor\nSocketAcceptHost=127.0.0.1\nSocketAcceptPort=%d\n", port)
	fmt.Fprintf(&acc, "SenderCompID=OMS\nHeartBtInt=30\nFileStorePath=%s\nFileStoreSync=N\nFileLogPath=%s\n",
		filepath.Join(t.dir, "fix-store"), filepath.Join(t.dir, "fix-log"))
	fmt.Fprintf(&acc, "ResetOnLogon=Y\nMaxMessagesPerSecond=10000000\n")
	fmt.Fprintf(&ini, "[DEFAULT]\nConnectionType=initiator\nSocketConnectHost=127.0.0.1\nSocketConnectPort=%d\n", port)
	fmt.Fprintf(&ini, "HeartBtInt=30\nReconnectInterval=1\nResetOnLogon=Y\n")
	for k := range accounts {
		desk := "BENCH" + strconv.Itoa(k+1)
		fmt.Fprintf(&acc, "\n[SESSION]\nBeginString=FIX.4.4\nTargetCompID=%s\nAccounts=%s\n", desk, strings.Join(accounts[k], ","))
		fmt.Fprintf(&ini, "\n[SESSION]\nBeginString=FIX.4.4\nSenderCompID=%s\nTargetCompID=OMS\n", desk)
		t.ids = append(t.ids, quickfix.SessionID{BeginString: "FIX.4.4", SenderCompID: desk, TargetCompID: "OMS"})
	}
	as, err := fix.ParseSettings(strings.NewReader(acc.String()))
	if err != nil {
		_ = lis.Close()
		return err
	}
	t.gw, err = fix.New(t.seq, fix.Config{Settings: as, Listener: lis, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		_ = lis.Close()
		return err
	}
	if err := t.gw.Start(); err != nil {
		return err
	}
	is, err := quickfix.ParseSettings(strings.NewReader(ini.String()))
	if err != nil {
		return fmt.Errorf("bench: fix initiator settings: %w", err)
	}
	t.ini, err = quickfix.NewInitiator(t, quickfix.NewMemoryStoreFactory(), is, quickfix.NewNullLogFactory())
	if err != nil {
		return fmt.Errorf("bench: fix initiator: %w", err)
	}
	return t.ini.Start()
}

func (t *fixTarget) waitLogons(ctx context.Context) error {
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	for n := 0; n < len(t.ids); n++ {
		select {
		case <-t.logons:
		case <-deadline.C:
			return fmt.Errorf("bench: fix: %d of %d sessions logged on within 10s", n, len(t.ids))
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

func (t *fixTarget) op(i int) error {
	c := &t.s.trade.Steady[i]
	k, ok := t.byAcc[c.Account]
	if !ok {
		return fmt.Errorf("bench: fix: account %q has no session", c.Account)
	}
	reply := make(chan bool, 1)
	t.pending.Store(c.ClOrdID, reply)
	if err := quickfix.SendToTarget(t.message(i, c), t.ids[k]); err != nil {
		t.pending.Delete(c.ClOrdID)
		return fmt.Errorf("bench: fix send: %w", err)
	}
	timer := time.NewTimer(fixReplyTimeout)
	defer timer.Stop()
	select {
	case refused := <-reply:
		t.s.reject(i, refused)
		return nil
	case <-timer.C:
		t.pending.Delete(c.ClOrdID)
		why := ""
		if p := t.lastAdmin.Load(); p != nil {
			why = " (last session reject: " + *p + ")"
		}
		return fmt.Errorf("bench: fix: no report for ClOrdID %s within %v%s", c.ClOrdID, fixReplyTimeout, why)
	}
}

// message builds the FIX 4.4 request for steady command i.
func (t *fixTarget) message(i int, c *book.Command) *quickfix.Message {
	m := quickfix.NewMessage()
	b := &m.Body
	side, px := c.Side, c.Price
	switch c.Kind {
	case book.CmdNewOrder:
		m.Header.SetString(tag.MsgType, "D")
		b.SetString(tag.OrdType, "2")
		b.SetString(tag.TimeInForce, map[book.TIF]string{book.Day: "0", book.GTC: "1", book.IOC: "3", book.FOK: "4"}[c.TIF])
		b.SetString(tag.OrderQty, strconv.FormatInt(int64(c.Qty), 10))
	case book.CmdCancel:
		m.Header.SetString(tag.MsgType, "F")
		b.SetString(tag.OrigClOrdID, c.OrigClOrdID)
		side, px = t.side[i], 0
	case book.CmdReplace:
		m.Header.SetString(tag.MsgType, "G")
		b.SetString(tag.OrigClOrdID, c.OrigClOrdID)
		b.SetString(tag.OrdType, "2")
		b.SetString(tag.OrderQty, strconv.FormatInt(int64(c.Qty), 10))
		side = t.side[i]
		if px == 0 {
			px = t.price[i]
		}
	}
	b.SetString(tag.ClOrdID, c.ClOrdID)
	b.SetString(tag.Account, c.Account)
	b.SetString(tag.Symbol, t.s.trade.Setup[0].Instrument.Symbol)
	b.SetString(tag.Side, map[book.Side]string{book.Buy: "1", book.Sell: "2"}[side])
	if px > 0 {
		b.SetString(tag.Price, fmt.Sprintf("%d.%02d", px/100, px%100)) // the workload's instrument has 2 decimals, tick 1
	}
	b.SetField(tag.TransactTime, quickfix.FIXUTCTimestamp{Time: time.Now()})
	return m
}

func (t *fixTarget) close() error {
	if t.ini != nil {
		t.ini.Stop()
	}
	var err error
	if t.gw != nil {
		err = t.gw.Close()
	}
	if serr := t.seq.Close(); err == nil {
		err = serr
	}
	if jerr := t.j.Close(); err == nil {
		err = jerr
	}
	if rerr := os.RemoveAll(t.dir); err == nil {
		err = rerr
	}
	return err
}

// The quickfix.Application of the initiator sessions.

func (t *fixTarget) OnCreate(quickfix.SessionID)                       {}
func (t *fixTarget) OnLogon(id quickfix.SessionID)                     { t.logons <- id }
func (t *fixTarget) OnLogout(quickfix.SessionID)                       {}
func (t *fixTarget) ToAdmin(*quickfix.Message, quickfix.SessionID)     {}
func (t *fixTarget) ToApp(*quickfix.Message, quickfix.SessionID) error { return nil }

func (t *fixTarget) FromAdmin(m *quickfix.Message, _ quickfix.SessionID) quickfix.MessageRejectError {
	if m.IsMsgTypeOf("3") {
		s := m.String()
		t.lastAdmin.Store(&s)
	}
	return nil
}

// FromApp releases the op waiting for the message's ClOrdID, if any: fills
// of resting orders and later reports of an order find nobody waiting.
func (t *fixTarget) FromApp(m *quickfix.Message, _ quickfix.SessionID) quickfix.MessageRejectError {
	key := tag.ClOrdID
	if m.IsMsgTypeOf("j") {
		key = tag.BusinessRejectRefID
	}
	cl, err := m.Body.GetString(key)
	if err != nil {
		return nil
	}
	v, ok := t.pending.LoadAndDelete(cl)
	if !ok {
		return nil
	}
	refused := !m.IsMsgTypeOf("8")
	if et, err := m.Body.GetString(tag.ExecType); err == nil && et == "8" {
		refused = true
	}
	v.(chan bool) <- refused
	return nil
}
