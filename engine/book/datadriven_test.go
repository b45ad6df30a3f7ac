package book_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/ordercore/oms/engine/book"
	"github.com/ordercore/oms/engine/wire"
	"github.com/stretchr/testify/require"
)

// TestScenarios runs the datadriven scenario files in engine/testdata/book.
// Regenerate expected output with: go test ./engine/book -rewrite
//
// Commands (key=value arguments; defaults in brackets):
//
//	instrument sym=S [dec=2 tick=1 lot=1 mult=1 band=0 ref=0 state=open]   (update-instrument: same keys)
//	state sym=S state=open|halted|closed
//	account id=A [maxqty= maxnotional= credit= maxpos= restricted=X,Y stp=cancel-aggressor]   (update-account)
//	new acct=A cl=C side=buy|sell [sym=ACME type=limit px= stop= qty= display= tif=day postonly expire=]
//	cancel acct=A cl=C (orig=C | id=N)
//	replace acct=A cl=C (orig=C | id=N) qty=Q [px= stop= sym= side= type= tif=]   (sym..tif: checked against the order when given)
//	mass-cancel [acct=A sym=S cl=C]
//	eod [sym=S]
//	mass-status acct=A cl=C   what the engine remembers of the account's mass cancel C
//	restart           snapshot, restore into a fresh engine, go on with it
//	time t=N          sets the time of the following commands
//	tick t=N          a tick command at time N
//	show [levels=on|off execs=on|off]
//	book [sym=ACME]   prints the book, queue by queue
//	orders acct=A | positions acct=A | order id=N | account id=A
func TestScenarios(t *testing.T) {
	datadriven.Walk(t, "../testdata/book", func(t *testing.T, path string) {
		h := &harness{e: book.New(), now: 1}
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			return h.run(t, d)
		})
	})
}

type harness struct {
	e      *book.Engine
	now    int64
	levels bool
	execs  bool
	out    []book.Event
}

type args map[string]string

func parseArgs(d *datadriven.TestData) args {
	a := args{}
	for _, ca := range d.CmdArgs {
		a[ca.Key] = strings.Join(ca.Vals, ",")
	}
	return a
}

func (a args) str(k, def string) string {
	if v, ok := a[k]; ok {
		return v
	}
	return def
}

func (a args) num(t *testing.T, k string, def int64) int64 {
	v, ok := a[k]
	if !ok {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	require.NoError(t, err, "argument %s", k)
	return n
}

func (a args) has(k string) bool { _, ok := a[k]; return ok }

func (h *harness) apply(t *testing.T, c *book.Command) string {
	h.out = h.e.Apply(c, h.now, h.out[:0])
	require.NoError(t, h.e.CheckInvariants())
	return h.format()
}

func (h *harness) run(t *testing.T, d *datadriven.TestData) string {
	a := parseArgs(d)
	switch d.Cmd {
	case "instrument", "update-instrument":
		kind := book.CmdAddInstrument
		if d.Cmd == "update-instrument" {
			kind = book.CmdUpdateInstrument
		}
		return h.apply(t, &book.Command{Kind: kind, Instrument: book.Instrument{
			Symbol: a.str("sym", "ACME"), PriceDecimals: uint8(a.num(t, "dec", 2)),
			TickSize: book.Price(a.num(t, "tick", 1)), LotSize: book.Qty(a.num(t, "lot", 1)),
			Multiplier: a.num(t, "mult", 1), BandBps: a.num(t, "band", 0),
			RefPrice: book.Price(a.num(t, "ref", 0)), State: parseState(t, a.str("state", "open")),
		}})
	case "state":
		return h.apply(t, &book.Command{Kind: book.CmdSetTradingState, Symbol: a.str("sym", "ACME"),
			State: parseState(t, a.str("state", "open"))})
	case "account", "update-account":
		kind := book.CmdAddAccount
		if d.Cmd == "update-account" {
			kind = book.CmdUpdateAccount
		}
		var restricted []string
		if v := a.str("restricted", ""); v != "" {
			restricted = strings.Split(v, ",")
		}
		return h.apply(t, &book.Command{Kind: kind, Acct: book.Account{
			ID: a.str("id", ""), MaxOrderQty: book.Qty(a.num(t, "maxqty", 0)),
			MaxOrderNotional: book.Money(a.num(t, "maxnotional", 0)), CreditLimit: book.Money(a.num(t, "credit", 0)),
			MaxPosition: book.Qty(a.num(t, "maxpos", 0)), Restricted: restricted,
			STP: parseSTP(t, a.str("stp", "cancel-aggressor")),
		}})
	case "new":
		return h.apply(t, &book.Command{Kind: book.CmdNewOrder, Account: a.str("acct", ""),
			Symbol: a.str("sym", "ACME"), ClOrdID: a.str("cl", ""), Side: parseSide(a.str("side", "")),
			Type: parseType(a.str("type", "limit")), TIF: parseTIF(a.str("tif", "day")),
			Price: book.Price(a.num(t, "px", 0)), StopPrice: book.Price(a.num(t, "stop", 0)),
			Qty: book.Qty(a.num(t, "qty", 0)), DisplayQty: book.Qty(a.num(t, "display", 0)),
			PostOnly: a.has("postonly"), ExpireTime: a.num(t, "expire", 0)})
	case "cancel", "replace":
		c := book.Command{Kind: book.CmdCancel, Account: a.str("acct", ""), ClOrdID: a.str("cl", ""),
			OrigClOrdID: a.str("orig", ""), OrderID: book.OrderID(a.num(t, "id", 0))}
		if d.Cmd == "replace" {
			c.Kind = book.CmdReplace
			c.Price, c.StopPrice = book.Price(a.num(t, "px", 0)), book.Price(a.num(t, "stop", 0))
			c.Qty, c.Symbol = book.Qty(a.num(t, "qty", 0)), a.str("sym", "")
			if a.has("side") {
				c.Side = parseSide(a.str("side", ""))
			}
			if a.has("type") {
				c.Type = parseType(a.str("type", ""))
			}
			if a.has("tif") {
				c.TIF = parseTIF(a.str("tif", ""))
			}
		}
		return h.apply(t, &c)
	case "mass-cancel":
		return h.apply(t, &book.Command{Kind: book.CmdMassCancel, Account: a.str("acct", ""),
			Symbol: a.str("sym", ""), ClOrdID: a.str("cl", "")})
	case "eod":
		return h.apply(t, &book.Command{Kind: book.CmdEndOfDay, Symbol: a.str("sym", "")})
	case "mass-status":
		m, ok := h.e.MassCancel(a.str("acct", ""), a.str("cl", ""))
		if !ok {
			return "not remembered\n"
		}
		return fmt.Sprintf("mass-cancel id=%d acct=%s sym=%s cl=%s n=%d t=%d\n", m.ID, m.Account, m.Symbol, m.ClOrdID, m.Count, m.Time)
	case "restart":
		// A restart from a snapshot: what the engine goes on from after a
		// crash (the journal replays the commands after it).
		var w wire.Writer
		h.e.Snapshot(&w)
		e := book.New()
		require.NoError(t, e.Restore(wire.NewReader(w.Bytes())))
		var w2 wire.Writer
		e.Snapshot(&w2)
		require.Equal(t, w.Bytes(), w2.Bytes(), "a restored engine writes the same snapshot")
		h.e = e
		return ""

	case "time":
		h.now = a.num(t, "t", h.now)
		return ""
	case "tick":
		h.now = a.num(t, "t", h.now)
		h.out = h.e.Tick(h.now, h.out[:0])
		require.NoError(t, h.e.CheckInvariants())
		return h.format()
	case "show":
		h.levels = a.str("levels", onOff(h.levels)) == "on"
		h.execs = a.str("execs", onOff(h.execs)) == "on"
		return ""
	case "book":
		return h.book(a.str("sym", "ACME"))
	case "orders":
		var b strings.Builder
		for _, o := range h.e.OpenOrders(a.str("acct", ""), "", nil) {
			b.WriteString(fmtState(&o) + "\n")
		}
		return b.String()
	case "order":
		o, ok := h.e.Order(book.OrderID(a.num(t, "id", 0)))
		if !ok {
			return "not found\n"
		}
		return fmtState(&o) + "\n"
	case "positions":
		ps, ok := h.e.Positions(a.str("acct", ""))
		if !ok {
			return "unknown account\n"
		}
		var b strings.Builder
		for _, p := range ps {
			fmt.Fprintf(&b, "%s net=%d bought=%d sold=%d buy-notional=%d sell-notional=%d open-buy=%d open-sell=%d\n",
				p.Symbol, p.Net, p.Bought, p.Sold, p.BuyNotional, p.SellNotional, p.OpenBuy, p.OpenSell)
		}
		return b.String()
	case "account-usage":
		v, ok := h.e.Account(a.str("id", ""))
		if !ok {
			return "unknown account\n"
		}
		return fmt.Sprintf("%s open-buy-notional=%d day-buy-notional=%d\n", v.ID, v.OpenBuyNotional, v.DayBuyNotional)
	}
	t.Fatalf("unknown command %q", d.Cmd)
	return ""
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func (h *harness) book(sym string) string {
	bids, asks, ok := h.e.Depth(sym, 1000)
	if !ok {
		return "unknown instrument\n"
	}
	var b strings.Builder
	for i := len(asks) - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "  ask %d: %d (%d)\n", asks[i].Price, asks[i].Qty, asks[i].Orders)
	}
	for _, l := range bids {
		fmt.Fprintf(&b, "  bid %d: %d (%d)\n", l.Price, l.Qty, l.Orders)
	}
	if b.Len() == 0 {
		return "empty\n"
	}
	return b.String()
}

func (h *harness) format() string {
	var b strings.Builder
	for i := range h.out {
		ev := &h.out[i]
		if ev.Kind == book.EvLevel && !h.levels {
			continue
		}
		b.WriteString(fmtEvent(ev, h.execs))
		b.WriteByte('\n')
	}
	return b.String()
}

func fmtState(o *book.OrderState) string {
	s := fmt.Sprintf("id=%d cl=%s acct=%s %s %s %s %s qty=%d", o.ID, o.ClOrdID, o.Account, o.Symbol, o.Side, o.Type, o.TIF, o.Qty)
	if o.Price != 0 {
		s += fmt.Sprintf(" px=%d", o.Price)
	}
	if o.StopPrice != 0 {
		s += fmt.Sprintf(" stop=%d", o.StopPrice)
	}
	if o.DisplayQty != 0 {
		s += fmt.Sprintf(" display=%d", o.DisplayQty)
	}
	return s + fmt.Sprintf(" cum=%d leaves=%d status=%s", o.CumQty, o.LeavesQty, o.Status)
}

func fmtEvent(ev *book.Event, execs bool) string {
	o := &ev.Order
	var s string
	switch ev.Kind {
	case book.EvAccepted, book.EvTriggered, book.EvExpired:
		s = fmt.Sprintf("%s id=%d cl=%s status=%s", ev.Kind, o.ID, o.ClOrdID, o.Status)
	case book.EvCanceled:
		s = fmt.Sprintf("canceled id=%d cl=%s cum=%d reason=%s", o.ID, o.ClOrdID, o.CumQty, ev.Reason)
	case book.EvRejected:
		s = fmt.Sprintf("rejected acct=%s sym=%s cl=%s reason=%s", o.Account, o.Symbol, o.ClOrdID, ev.Reason)
	case book.EvTrade:
		s = fmt.Sprintf("trade taker=%d maker=%d px=%d qty=%d taker-leaves=%d maker-leaves=%d",
			o.ID, ev.Maker.ID, ev.LastPx, ev.LastQty, o.LeavesQty, ev.Maker.LeavesQty)
	case book.EvReplaced:
		s = fmt.Sprintf("replaced id=%d cl=%s orig=%s px=%d qty=%d leaves=%d status=%s", o.ID, o.ClOrdID, o.OrigClOrdID, o.Price, o.Qty, o.LeavesQty, o.Status)
		if o.StopPrice != 0 {
			s += fmt.Sprintf(" stop=%d", o.StopPrice)
		}
	case book.EvCancelRejected:
		what := "cancel"
		if ev.Replace {
			what = "replace"
		}
		s = fmt.Sprintf("cancel-rejected %s id=%d cl=%s orig=%s status=%s reason=%s", what, o.ID, o.ClOrdID, o.OrigClOrdID, o.Status, ev.Reason)
	case book.EvMassCanceled:
		s = fmt.Sprintf("mass-canceled acct=%s sym=%s n=%d", o.Account, o.Symbol, ev.Count)
		if o.ClOrdID != "" {
			s += fmt.Sprintf(" cl=%s id=%d", o.ClOrdID, ev.MassCancel)
		}
	case book.EvInstrument:
		in := ev.Instrument
		s = fmt.Sprintf("instrument %s dec=%d tick=%d lot=%d mult=%d band=%d ref=%d state=%s",
			in.Symbol, in.PriceDecimals, in.TickSize, in.LotSize, in.Multiplier, in.BandBps, in.RefPrice, in.State)
	case book.EvAccount:
		ac := ev.Acct
		s = fmt.Sprintf("account %s maxqty=%d maxnotional=%d credit=%d maxpos=%d restricted=%s stp=%s",
			ac.ID, ac.MaxOrderQty, ac.MaxOrderNotional, ac.CreditLimit, ac.MaxPosition, strings.Join(ac.Restricted, ","), ac.STP)
	case book.EvLevel:
		s = fmt.Sprintf("level %s %s %d qty=%d n=%d", o.Symbol, ev.Side, ev.LastPx, ev.LastQty, ev.Count)
	case book.EvEndOfDay:
		s = fmt.Sprintf("end-of-day sym=%s", o.Symbol)
	default:
		s = ev.Kind.String()
	}
	if execs && ev.ExecID != 0 {
		s += fmt.Sprintf(" exec=%d", ev.ExecID)
		if ev.Kind == book.EvTrade {
			s += fmt.Sprintf(" maker-exec=%d trade=%d", ev.MakerExecID, ev.TradeID)
		}
	}
	return s
}

func parseState(t *testing.T, s string) book.TradingState {
	switch s {
	case "open":
		return book.Open
	case "halted":
		return book.Halted
	case "closed":
		return book.Closed
	case "bogus":
		return 99
	}
	t.Fatalf("state %q", s)
	return 0
}

func parseSTP(t *testing.T, s string) book.STPMode {
	for m := book.CancelAggressor; m <= book.CancelBoth; m++ {
		if m.String() == s {
			return m
		}
	}
	if s == "bogus" {
		return 99
	}
	t.Fatalf("stp %q", s)
	return 0
}

// parseSide, parseType and parseTIF map unknown words to out-of-range values
// so that scenarios can exercise the engine's own validation.
func parseSide(s string) book.Side {
	for v := book.Buy; v <= book.Sell; v++ {
		if v.String() == s {
			return v
		}
	}
	return 99
}

func parseType(s string) book.OrdType {
	for v := book.Limit; v <= book.StopLimit; v++ {
		if v.String() == s {
			return v
		}
	}
	return 99
}

func parseTIF(s string) book.TIF {
	for v := book.Day; v <= book.FOK; v++ {
		if v.String() == s {
			return v
		}
	}
	return 99
}
