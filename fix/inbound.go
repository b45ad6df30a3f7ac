package fix

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/engine/book"
	"github.com/quickfixgo/quickfix"
	"github.com/quickfixgo/tag"
)

// refusal is a business-level "no" given by the gateway before the engine:
// the account is not the session's, the price is off tick, a value is not
// supported. It becomes the reject message of the request's type.
type refusal struct {
	reason book.Reason
	text   string
}

// optional returns a body field, and whether it is present and non-empty.
func optional(m *quickfix.Message, t quickfix.Tag) (string, bool) {
	v, err := m.Body.GetString(t)
	return v, err == nil && v != ""
}

// required returns a body field or the session-level reject for its absence.
func required(m *quickfix.Message, t quickfix.Tag) (string, quickfix.MessageRejectError) {
	if v, ok := optional(m, t); ok {
		return v, nil
	}
	return "", quickfix.RequiredTagMissing(t)
}

// account resolves the account of a request: Account (1) when present, which
// must be one of the session's; otherwise the session's only account.
func (s *session) account(m *quickfix.Message) (string, *refusal) {
	if a, ok := optional(m, tag.Account); ok {
		if !s.rules.allows(a) {
			return a, &refusal{book.ReasonUnknownAccount, fmt.Sprintf("Account (1) %q is not permitted on this session", a)}
		}
		return a, nil
	}
	if len(s.rules.accounts) == 1 {
		return s.rules.accounts[0], nil
	}
	return "", &refusal{book.ReasonUnknownAccount, "Account (1) is required: this session trades several accounts"}
}

// convQty converts a quantity field exactly to units of in's lot.
func convQty(raw string, in *book.Instrument, t quickfix.Tag) (book.Qty, *refusal, quickfix.MessageRejectError) {
	v, err := parseScaled(raw, 0)
	switch {
	case errors.Is(err, errDecimalPrecision):
		return 0, &refusal{book.ReasonOffLot, fmt.Sprintf("tag %d: %s is not a whole number of units", t, raw)}, nil
	case err != nil:
		return 0, nil, quickfix.IncorrectDataFormatForValue(t)
	case in.LotSize > 0 && v%int64(in.LotSize) != 0:
		return 0, &refusal{book.ReasonOffLot, fmt.Sprintf("tag %d: %s is not a multiple of the lot size %d of %s", t, raw, in.LotSize, in.Symbol)}, nil
	}
	return book.Qty(v), nil, nil
}

// convPrice converts a price field exactly to in's price units. A price
// with more decimals than the instrument's, or off its tick, is refused:
// never rounded.
func convPrice(raw string, in *book.Instrument, t quickfix.Tag) (book.Price, *refusal, quickfix.MessageRejectError) {
	v, err := parseScaled(raw, in.PriceDecimals)
	tick := formatScaled(int64(in.TickSize), in.PriceDecimals)
	switch {
	case errors.Is(err, errDecimalPrecision):
		return 0, &refusal{book.ReasonOffTick, fmt.Sprintf("tag %d: price %s is not on the tick %s of %s", t, raw, tick, in.Symbol)}, nil
	case err != nil:
		return 0, nil, quickfix.IncorrectDataFormatForValue(t)
	case in.TickSize > 0 && v%int64(in.TickSize) != 0:
		return 0, &refusal{book.ReasonOffTick, fmt.Sprintf("tag %d: price %s is not a multiple of the tick %s of %s", t, raw, tick, in.Symbol)}, nil
	}
	return book.Price(v), nil, nil
}

// submitRequest claims a request's key, answers it with the order's status
// when it is a re-send of one the engine took (see answerPossDup), and
// otherwise submits it, refusing it if the sequencer certainly did not take
// it. The key is claimed before the look-up, so no other request of this
// gateway with the same account and ClOrdID is applied between the look-up
// and the submit, and one still in flight is applied, and its reports
// handed over, before this one is looked up or submitted.
func (g *Gateway) submitRequest(s *session, m *quickfix.Message, c *book.Command, p pendingReq) quickfix.MessageRejectError {
	k := reqKey{c.Account, c.ClOrdID}
	resent := possDup(m)
	if !g.claim(k, p) {
		text := fmt.Sprintf("ClOrdID (11) %q: a request with this ClOrdID for account %s is still in flight", c.ClOrdID, c.Account)
		if resent {
			return quickfix.NewBusinessMessageRejectErrorWithRefID("status unavailable, retry: "+text, bizRejOther, c.ClOrdID, nil)
		}
		g.refuse(s, m, c, p.massType, &refusal{book.ReasonNone, "not accepted, retry: " + text})
		return nil
	}
	switch {
	case resent && p.kind == reqMassCancel: // its ClOrdID names no order: the engine's mass-cancel memory has it
		if done, rerr := g.answerMassResend(s, c.Account, c.ClOrdID); done {
			g.router.forget(k)
			return rerr
		}
	case resent:
		if done, rerr := g.answerPossDup(s, c.Account, c.ClOrdID); done {
			g.router.forget(k)
			return rerr
		}
	}
	if g.cfg.submitHook != nil {
		g.cfg.submitHook(c)
	}
	if _, err := g.submit(*c); err != nil {
		if notApplied(err) {
			g.router.forget(k)
			g.refuse(s, m, c, p.massType, &refusal{book.ReasonNone, "not accepted, retry: " + err.Error()})
			return nil
		}
		// Outcome unknown: if the command was applied, its report follows.
		g.log.Warn("fix: submit outcome unknown", "session", s.id.String(), "clordid", c.ClOrdID, "err", err)
	}
	return nil
}

// claim registers p as the request in flight under k. A request of this
// gateway with the same account and ClOrdID still in flight, from any
// session, is waited for first, up to SubmitTimeout: that way its reports
// go to its own sender and it is applied before this one is looked up or
// submitted. claim reports false if that request is still in flight then
// (its submit timed out, say).
func (g *Gateway) claim(k reqKey, p pendingReq) bool {
	busy := g.router.claim(k, p)
	if busy == nil {
		return true
	}
	deadline := time.NewTimer(g.cfg.SubmitTimeout)
	defer deadline.Stop()
	for busy != nil {
		select {
		case <-busy:
		case <-deadline.C:
			return false
		}
		busy = g.router.claim(k, p)
	}
	return true
}

// refuse sends the reject for a request the gateway will not submit.
func (g *Gateway) refuse(s *session, m *quickfix.Message, c *book.Command, massType byte, why *refusal) {
	now := time.Now()
	switch c.Kind {
	case book.CmdNewOrder:
		if c.Symbol == "" {
			c.Symbol, _ = optional(m, tag.Symbol)
		}
		st := book.OrderState{
			Account: c.Account, Symbol: c.Symbol, ClOrdID: c.ClOrdID, Side: c.Side, Type: c.Type, TIF: c.TIF,
			Price: c.Price, StopPrice: c.StopPrice, Qty: c.Qty, Status: book.StatusRejected,
		}
		r := execReport{
			kind: execRejected, st: &st, inst: g.format(c.Symbol), execID: g.ids.next("R"), orderID: "NONE",
			rejReason: ordRejReason(s.v, why.reason), hasRej: true, text: why.text, time: now,
		}
		if c.Side == 0 {
			r.rawSide, _ = optional(m, tag.Side)
		}
		if c.TIF == 0 { // refused before TimeInForce was read
			tif, _ := optional(m, tag.TimeInForce)
			st.TIF, _ = parseTIF(tif)
		}
		out := r.message(s.v)
		echoOrderTerms(&out.Body, m)
		g.send(s, out)
	case book.CmdCancel, book.CmdReplace:
		r := cancelReject{
			orderID: orderIDString(c.OrderID), clOrdID: c.ClOrdID, origClOrdID: c.OrigClOrdID, account: c.Account,
			status: book.StatusRejected, replace: c.Kind == book.CmdReplace, reason: cxlRejReason(s.v, why.reason),
			text: why.text, time: now,
		}
		g.send(s, r.message())
	case book.CmdMassCancel:
		r := massCancelReport{
			orderID: g.ids.next("MC"), clOrdID: c.ClOrdID, requestType: massType, response: massCancelRejected,
			rejectReason: massRejectReason(why.reason), symbol: c.Symbol, account: c.Account, text: why.text, time: now,
		}
		g.send(s, r.message(s.v))
	}
}

// echoOrderTerms copies the order terms of a refused NewOrderSingle into
// its reject as the client sent them. A refusal can come before the gateway
// has converted them (an account not permitted, an unknown symbol) or
// because it cannot (a quantity off the lot), so c does not hold them; the
// reject must still echo OrderQty, Price and the rest, never 38=0. Sessions
// do not validate against a dictionary, so only well-formed values are
// echoed: every value sent stays valid in the stock dictionary.
func echoOrderTerms(out *quickfix.Body, in *quickfix.Message) {
	if v, ok := optional(in, tag.Symbol); ok {
		out.SetString(tag.Symbol, v)
	}
	for _, t := range [...]quickfix.Tag{tag.OrderQty, tag.Price, tag.StopPx, tag.MaxFloor} {
		if v, ok := optional(in, t); ok && wellFormedDecimal(v) {
			out.SetString(t, v)
		}
	}
}

// wellFormedDecimal reports whether s is a FIX decimal the gateway can
// read, whatever its precision.
func wellFormedDecimal(s string) bool {
	_, err := parseScaled(s, 0)
	return err == nil || errors.Is(err, errDecimalPrecision)
}

// onNewOrder handles NewOrderSingle (D).
func (g *Gateway) onNewOrder(s *session, m *quickfix.Message) quickfix.MessageRejectError {
	c := book.Command{Kind: book.CmdNewOrder}
	why, err := g.parseNewOrder(s, m, &c)
	if err != nil {
		return err
	}
	if why != nil {
		g.refuse(s, m, &c, 0, why)
		return nil
	}
	return g.submitRequest(s, m, &c, pendingReq{s: s, kind: reqNew})
}

// parseNewOrder fills c from a NewOrderSingle. Missing or malformed fields
// are session-level rejects; everything else is a refusal.
func (g *Gateway) parseNewOrder(s *session, m *quickfix.Message, c *book.Command) (*refusal, quickfix.MessageRejectError) {
	var err quickfix.MessageRejectError
	var side, qty, typ string
	if c.ClOrdID, err = required(m, tag.ClOrdID); err != nil {
		return nil, err
	}
	if c.Symbol, err = required(m, tag.Symbol); err != nil {
		return nil, err
	}
	if side, err = required(m, tag.Side); err != nil {
		return nil, err
	}
	if qty, err = required(m, tag.OrderQty); err != nil {
		return nil, err
	}
	if typ, err = required(m, tag.OrdType); err != nil {
		return nil, err
	}
	var why *refusal
	if c.Side, why = parseSide(side); why != nil {
		return why, nil
	}
	if c.Type, why = parseOrdType(typ); why != nil {
		return why, nil
	}
	if c.Account, why = s.account(m); why != nil {
		return why, nil
	}
	in, ok := g.instrument(c.Symbol)
	if !ok {
		return &refusal{book.ReasonUnknownInstrument, fmt.Sprintf("Symbol (55) %q is not a known instrument", c.Symbol)}, nil
	}
	if c.Qty, why, err = convQty(qty, &in, tag.OrderQty); why != nil || err != nil {
		return why, err
	}
	return g.parseOrderTerms(m, &in, c)
}

// parseOrderTerms reads prices, time in force, display and post-only.
func (g *Gateway) parseOrderTerms(m *quickfix.Message, in *book.Instrument, c *book.Command) (*refusal, quickfix.MessageRejectError) {
	var why *refusal
	var err quickfix.MessageRejectError
	if c.Type == book.Limit || c.Type == book.StopLimit {
		px, rerr := required(m, tag.Price)
		if rerr != nil {
			return nil, rerr
		}
		if c.Price, why, err = convPrice(px, in, tag.Price); why != nil || err != nil {
			return why, err
		}
	}
	if c.Type == book.Stop || c.Type == book.StopLimit {
		px, rerr := required(m, tag.StopPx)
		if rerr != nil {
			return nil, rerr
		}
		if c.StopPrice, why, err = convPrice(px, in, tag.StopPx); why != nil || err != nil {
			return why, err
		}
	}
	tif, _ := optional(m, tag.TimeInForce)
	if c.TIF, why = parseTIF(tif); why != nil {
		return why, nil
	}
	if c.TIF == book.GTD {
		if !m.Body.Has(tag.ExpireTime) {
			return nil, quickfix.RequiredTagMissing(tag.ExpireTime)
		}
		t, terr := m.Body.GetTime(tag.ExpireTime)
		if terr != nil {
			return nil, quickfix.IncorrectDataFormatForValue(tag.ExpireTime)
		}
		c.ExpireTime = t.UnixNano()
	}
	if floor, ok := optional(m, tag.MaxFloor); ok {
		if c.DisplayQty, why, err = convQty(floor, in, tag.MaxFloor); why != nil || err != nil {
			return why, err
		}
	}
	// ExecInst 6 (participate don't initiate) is post-only.
	if inst, ok := optional(m, tag.ExecInst); ok && strings.Contains(inst, "6") {
		c.PostOnly = true
	}
	return nil, nil
}

func parseSide(v string) (book.Side, *refusal) {
	switch v {
	case "1":
		return book.Buy, nil
	case "2":
		return book.Sell, nil
	}
	return 0, &refusal{book.ReasonInvalidSide, fmt.Sprintf("Side (54) %q not supported: 1 (buy) or 2 (sell)", v)}
}

func parseOrdType(v string) (book.OrdType, *refusal) {
	switch v {
	case "1":
		return book.Market, nil
	case "2":
		return book.Limit, nil
	case "3":
		return book.Stop, nil
	case "4":
		return book.StopLimit, nil
	}
	return 0, &refusal{book.ReasonInvalidType, fmt.Sprintf("OrdType (40) %q not supported: 1, 2, 3 or 4", v)}
}

func parseTIF(v string) (book.TIF, *refusal) {
	switch v {
	case "", "0":
		return book.Day, nil
	case "1":
		return book.GTC, nil
	case "3":
		return book.IOC, nil
	case "4":
		return book.FOK, nil
	case "6":
		return book.GTD, nil
	}
	return 0, &refusal{book.ReasonInvalidTIF, fmt.Sprintf("TimeInForce (59) %q not supported: 0, 1, 3, 4 or 6", v)}
}

// orderIDField reads OrderID (37) as an engine order id; anything that is
// not one (absent, "NONE") is zero, so the request addresses OrigClOrdID.
func orderIDField(m *quickfix.Message) book.OrderID {
	v, ok := optional(m, tag.OrderID)
	if !ok {
		return 0
	}
	id, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0
	}
	return book.OrderID(id)
}

// onCancel handles OrderCancelRequest (F). Side (54) is required, as FIX
// 4.2 and 4.4 require it; the order is found by its ids.
func (g *Gateway) onCancel(s *session, m *quickfix.Message) quickfix.MessageRejectError {
	c := book.Command{Kind: book.CmdCancel, OrderID: orderIDField(m)}
	var err quickfix.MessageRejectError
	if c.ClOrdID, err = required(m, tag.ClOrdID); err != nil {
		return err
	}
	if _, err = required(m, tag.Side); err != nil {
		return err
	}
	if c.OrigClOrdID, err = required(m, tag.OrigClOrdID); err != nil {
		return err
	}
	var why *refusal
	if c.Account, why = s.account(m); why != nil {
		g.refuse(s, m, &c, 0, why)
		return nil
	}
	return g.submitRequest(s, m, &c, pendingReq{s: s, kind: reqCancel})
}

// onReplace handles OrderCancelReplaceRequest (G). The new OrderQty is the
// total including what has filled; Price and StopPx, when absent, stay.
// Symbol (55) and Side (54), both required as FIX requires them, and
// OrdType (40) and TimeInForce (59) when present, go to the engine, which
// refuses the replace unless they are the order's (FIX does not let a
// replace change them): the prices are scaled
// with the decimals of the instrument named, so that is the one checked.
// ExpireTime (126) and the other terms of the order are kept.
func (g *Gateway) onReplace(s *session, m *quickfix.Message) quickfix.MessageRejectError {
	c := book.Command{Kind: book.CmdReplace, OrderID: orderIDField(m)}
	why, err := g.parseReplace(s, m, &c)
	if err != nil {
		return err
	}
	if why != nil {
		g.refuse(s, m, &c, 0, why)
		return nil
	}
	return g.submitRequest(s, m, &c, pendingReq{s: s, kind: reqReplace})
}

func (g *Gateway) parseReplace(s *session, m *quickfix.Message, c *book.Command) (*refusal, quickfix.MessageRejectError) {
	var err quickfix.MessageRejectError
	var qty string
	if c.ClOrdID, err = required(m, tag.ClOrdID); err != nil {
		return nil, err
	}
	if c.OrigClOrdID, err = required(m, tag.OrigClOrdID); err != nil {
		return nil, err
	}
	if c.Symbol, err = required(m, tag.Symbol); err != nil {
		return nil, err
	}
	var side string
	if side, err = required(m, tag.Side); err != nil {
		return nil, err
	}
	if qty, err = required(m, tag.OrderQty); err != nil {
		return nil, err
	}
	var why *refusal
	if c.Account, why = s.account(m); why != nil {
		return why, nil
	}
	if why = parseReplaceTerms(m, side, c); why != nil {
		return why, nil
	}
	in, ok := g.instrument(c.Symbol)
	if !ok {
		return &refusal{book.ReasonUnknownInstrument, fmt.Sprintf("Symbol (55) %q is not a known instrument", c.Symbol)}, nil
	}
	if c.Qty, why, err = convQty(qty, &in, tag.OrderQty); why != nil || err != nil {
		return why, err
	}
	if px, ok := optional(m, tag.Price); ok {
		if c.Price, why, err = convPrice(px, &in, tag.Price); why != nil || err != nil {
			return why, err
		}
	}
	if px, ok := optional(m, tag.StopPx); ok {
		if c.StopPrice, why, err = convPrice(px, &in, tag.StopPx); why != nil || err != nil {
			return why, err
		}
	}
	return nil, nil
}

// parseReplaceTerms reads the Side (side, required) and, when present, the
// OrdType and TimeInForce a replace claims the order has: the engine checks
// them.
func parseReplaceTerms(m *quickfix.Message, side string, c *book.Command) *refusal {
	var why *refusal
	if c.Side, why = parseSide(side); why != nil {
		return why
	}
	if v, ok := optional(m, tag.OrdType); ok {
		if c.Type, why = parseOrdType(v); why != nil {
			return why
		}
	}
	if v, ok := optional(m, tag.TimeInForce); ok {
		if c.TIF, why = parseTIF(v); why != nil {
			return why
		}
	}
	return nil
}

// onMassCancel handles OrderMassCancelRequest (q): type 1 (one symbol) or 7
// (all orders), for Account (1) when given, else for each of the session's
// accounts (one report per account).
func (g *Gateway) onMassCancel(s *session, m *quickfix.Message) quickfix.MessageRejectError {
	c := book.Command{Kind: book.CmdMassCancel}
	var err quickfix.MessageRejectError
	var typ string
	if c.ClOrdID, err = required(m, tag.ClOrdID); err != nil {
		return err
	}
	if typ, err = required(m, tag.MassCancelRequestType); err != nil {
		return err
	}
	c.Symbol, _ = optional(m, tag.Symbol)
	massType := typ[0]
	switch {
	case len(typ) != 1 || typ[0] != massCancelBySymbol && typ[0] != massCancelAll:
		g.refuse(s, m, &c, massType, &refusal{book.ReasonInvalidCommand,
			fmt.Sprintf("MassCancelRequestType (530) %q not supported: 1 or 7", typ)})
		return nil
	case massType == massCancelBySymbol && c.Symbol == "":
		return quickfix.RequiredTagMissing(tag.Symbol)
	case massType == massCancelAll:
		c.Symbol = ""
	}
	accounts := s.rules.accounts
	if a, ok := optional(m, tag.Account); ok {
		accounts = []string{a}
		if !s.rules.allows(a) {
			c.Account = a
			g.refuse(s, m, &c, massType, &refusal{book.ReasonUnknownAccount, fmt.Sprintf("Account (1) %q is not permitted on this session", a)})
			return nil
		}
	}
	for _, a := range accounts {
		c.Account = a
		if rerr := g.submitRequest(s, m, &c, pendingReq{s: s, kind: reqMassCancel, massType: massType}); rerr != nil {
			return rerr
		}
	}
	return nil
}

// onStatus answers OrderStatusRequest (H) from the engine's state: the
// order by OrderID (37) when given, else by ClOrdID (11) in the request's
// account (or each of the session's).
func (g *Gateway) onStatus(s *session, m *quickfix.Message) quickfix.MessageRejectError {
	clOrdID, err := required(m, tag.ClOrdID)
	if err != nil {
		return err
	}
	// Side is required on an OrderStatusRequest, and on the answer: the
	// answer for an order the engine does not know echoes it.
	rawSide, err := required(m, tag.Side)
	if err != nil {
		return err
	}
	accounts := s.rules.accounts
	if a, ok := optional(m, tag.Account); ok {
		accounts = []string{a}
	}
	st, found, qerr := g.findOrder(accounts, orderIDField(m), clOrdID)
	if qerr != nil {
		return quickfix.NewBusinessMessageRejectErrorWithRefID("status unavailable, retry: "+qerr.Error(), bizRejOther, clOrdID, nil)
	}
	if found && s.rules.allows(st.Account) {
		g.send(s, g.statusReport(s, &st))
		return nil
	}
	sym, _ := optional(m, tag.Symbol)
	side, _ := parseSide(rawSide)
	st = book.OrderState{ClOrdID: clOrdID, Symbol: sym, Side: side, Status: book.StatusRejected}
	r := execReport{kind: execStatus, st: &st, inst: g.format(sym), execID: g.ids.next("S"), orderID: "NONE",
		hasRej: true, rejReason: rejUnknownOrder, text: "unknown order", time: time.Now()}
	r.rawSide = rawSide // a Side the engine has no value for (sell short, say) goes back as sent
	g.send(s, r.message(s.v))
	return nil
}

// findOrder looks an order up in the engine: by id when non-zero (in one of
// accounts), else by ClOrdID in each of accounts in turn. It runs as a
// sequencer query, on the sequencer's goroutine: the gateway never touches
// the engine itself. The state is the order's current one, whether it is
// live or finished today.
func (g *Gateway) findOrder(accounts []string, id book.OrderID, clOrdID string) (book.OrderState, bool, error) {
	var st book.OrderState
	var found bool
	ctx, cancel := context.WithTimeout(context.Background(), g.cfg.SubmitTimeout)
	defer cancel()
	err := g.seq.Query(ctx, func(e *engine.Engine) {
		for _, a := range accounts {
			if id != 0 {
				st, found = e.Book().Order(id)
				found = found && st.Account == a
			} else {
				st, found = e.Book().OrderByClOrdID(a, clOrdID)
			}
			if found {
				return
			}
		}
	})
	if err != nil {
		return book.OrderState{}, false, err
	}
	return st, found, nil
}

// statusReport is the status answer (ExecType I on 4.4; ExecTransType 3
// and ExecType the OrdStatus on 4.2) for an order the engine knows.
func (g *Gateway) statusReport(s *session, st *book.OrderState) *quickfix.Message {
	r := execReport{kind: execStatus, st: st, inst: g.format(st.Symbol), execID: g.ids.next("S"),
		orderID: orderIDString(st.ID), time: time.Now()}
	return r.message(s.v)
}
