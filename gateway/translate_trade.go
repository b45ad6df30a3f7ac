package gateway

import (
	"fmt"
	"slices"
	"unicode/utf8"

	"github.com/ordercore/oms/engine/book"
	pb "github.com/ordercore/oms/proto/omsv1"
)

// maxID bounds identifiers (accounts, symbols, client ids, SKUs): they are
// journaled with every command, so an unbounded one is a way to fill disks.
const maxID = 64

// checkID validates an identifier field: required or not, at most maxID
// bytes of printable UTF-8 without spaces.
func checkID(v *violations, field, s string, required bool) {
	if s == "" {
		if required {
			v.add(field, "required")
		}
		return
	}
	if len(s) > maxID {
		v.add(field, fmt.Sprintf("at most %d bytes", maxID))
		return
	}
	if !utf8.ValidString(s) {
		v.add(field, "not valid UTF-8")
		return
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f {
			v.add(field, "must not contain spaces or control characters")
			return
		}
	}
}

func checkEnum[T ~int32](v *violations, field string, x T, max T, required bool) {
	switch {
	case x == 0 && required:
		v.add(field, "required")
	case x < 0 || x > max:
		v.add(field, fmt.Sprintf("unknown value %d", x))
	}
}

func checkNonNeg(v *violations, field string, x int64) {
	if x < 0 {
		v.add(field, "must not be negative")
	}
}

// newOrderCommand translates a NewOrderRequest. Unset type means limit and
// unset time in force means day; the engine checks tick, lot, band and risk.
func newOrderCommand(r *pb.NewOrderRequest) (book.Command, error) {
	var v violations
	checkID(&v, "account", r.GetAccount(), true)
	checkID(&v, "symbol", r.GetSymbol(), true)
	checkID(&v, "cl_ord_id", r.GetClOrdId(), true)
	checkEnum(&v, "side", r.GetSide(), pb.Side_SIDE_SELL, true)
	checkEnum(&v, "type", r.GetType(), pb.OrdType_ORD_TYPE_STOP_LIMIT, false)
	checkEnum(&v, "tif", r.GetTif(), pb.TimeInForce_TIME_IN_FORCE_FOK, false)
	typ := book.OrdType(r.GetType())
	if typ == 0 {
		typ = book.Limit
	}
	tif := book.TIF(r.GetTif())
	if tif == 0 {
		tif = book.Day
	}
	if r.GetQty() <= 0 {
		v.add("qty", "must be positive")
	}
	if (typ == book.Limit || typ == book.StopLimit) && r.GetPrice() <= 0 {
		v.add("price", "must be positive for limit and stop-limit orders")
	}
	if (typ == book.Market || typ == book.Stop) && r.GetPrice() != 0 {
		v.add("price", "must be unset for market and stop orders")
	}
	if (typ == book.Stop || typ == book.StopLimit) && r.GetStopPrice() <= 0 {
		v.add("stop_price", "must be positive for stop orders")
	}
	if typ != book.Stop && typ != book.StopLimit && r.GetStopPrice() != 0 {
		v.add("stop_price", "only stop and stop-limit orders have one")
	}
	if r.GetDisplayQty() < 0 || (r.GetQty() > 0 && r.GetDisplayQty() > r.GetQty()) {
		v.add("display_qty", "must be between 0 and qty")
	}
	if tif == book.GTD && r.GetExpireTimeUnixNano() <= 0 {
		v.add("expire_time_unix_nano", "required for GTD orders")
	}
	if tif != book.GTD && r.GetExpireTimeUnixNano() != 0 {
		v.add("expire_time_unix_nano", "only GTD orders have one")
	}
	if err := v.err(); err != nil {
		return book.Command{}, err
	}
	return book.Command{
		Kind: book.CmdNewOrder, Account: r.GetAccount(), Symbol: r.GetSymbol(), ClOrdID: r.GetClOrdId(),
		Side: book.Side(r.GetSide()), Type: typ, TIF: tif, Price: book.Price(r.GetPrice()),
		StopPrice: book.Price(r.GetStopPrice()), Qty: book.Qty(r.GetQty()), DisplayQty: book.Qty(r.GetDisplayQty()),
		PostOnly: r.GetPostOnly(), ExpireTime: r.GetExpireTimeUnixNano(),
	}, nil
}

// checkTarget validates how a cancel or replace addresses its order.
func checkTarget(v *violations, id uint64, orig string) {
	checkID(v, "orig_cl_ord_id", orig, false)
	if id == 0 && orig == "" {
		v.add("order_id", "set order_id or orig_cl_ord_id")
	}
}

// cancelCommand translates a cancel. Its cl_ord_id is required, as for a
// new order or a replace: the engine refuses a cancel without one
// (missing_clordid), and refusing it here keeps it out of the journal.
func cancelCommand(r *pb.CancelOrderRequest) (book.Command, error) {
	var v violations
	checkID(&v, "account", r.GetAccount(), true)
	checkID(&v, "cl_ord_id", r.GetClOrdId(), true)
	checkTarget(&v, r.GetOrderId(), r.GetOrigClOrdId())
	if err := v.err(); err != nil {
		return book.Command{}, err
	}
	return book.Command{Kind: book.CmdCancel, Account: r.GetAccount(), OrderID: book.OrderID(r.GetOrderId()),
		OrigClOrdID: r.GetOrigClOrdId(), ClOrdID: r.GetClOrdId()}, nil
}

// replaceCommand translates a replace. ReplaceOrderRequest carries no
// symbol, side, type or time in force, so they stay zero: the engine does
// not check them (a FIX replace sets them, and the engine refuses one that
// contradicts the order).
func replaceCommand(r *pb.ReplaceOrderRequest) (book.Command, error) {
	var v violations
	checkID(&v, "account", r.GetAccount(), true)
	checkID(&v, "cl_ord_id", r.GetClOrdId(), true)
	checkTarget(&v, r.GetOrderId(), r.GetOrigClOrdId())
	if r.GetQty() <= 0 {
		v.add("qty", "must be positive")
	}
	checkNonNeg(&v, "price", r.GetPrice())
	checkNonNeg(&v, "stop_price", r.GetStopPrice())
	if err := v.err(); err != nil {
		return book.Command{}, err
	}
	return book.Command{Kind: book.CmdReplace, Account: r.GetAccount(), OrderID: book.OrderID(r.GetOrderId()),
		OrigClOrdID: r.GetOrigClOrdId(), ClOrdID: r.GetClOrdId(), Price: book.Price(r.GetPrice()),
		StopPrice: book.Price(r.GetStopPrice()), Qty: book.Qty(r.GetQty())}, nil
}

func massCancelCommand(r *pb.MassCancelRequest) (book.Command, error) {
	var v violations
	checkID(&v, "account", r.GetAccount(), true)
	checkID(&v, "symbol", r.GetSymbol(), false)
	checkID(&v, "cl_ord_id", r.GetClOrdId(), false)
	if err := v.err(); err != nil {
		return book.Command{}, err
	}
	return book.Command{Kind: book.CmdMassCancel, Account: r.GetAccount(), Symbol: r.GetSymbol(), ClOrdID: r.GetClOrdId()}, nil
}

// instrumentFromPB validates an instrument definition under the field
// prefix "instrument.".
func instrumentFromPB(v *violations, in *pb.Instrument) book.Instrument {
	if in == nil {
		v.add("instrument", "required")
		return book.Instrument{}
	}
	checkID(v, "instrument.symbol", in.GetSymbol(), true)
	if in.GetPriceDecimals() > 6 {
		v.add("instrument.price_decimals", "must be 0..6")
	}
	if in.GetTickSize() <= 0 {
		v.add("instrument.tick_size", "must be positive")
	}
	if in.GetLotSize() <= 0 {
		v.add("instrument.lot_size", "must be positive")
	}
	if in.GetMultiplier() < 0 {
		v.add("instrument.multiplier", "must not be negative (0 means 1)")
	}
	checkNonNeg(v, "instrument.band_bps", in.GetBandBps())
	checkNonNeg(v, "instrument.ref_price", in.GetRefPrice())
	checkEnum(v, "instrument.state", in.GetState(), pb.TradingState_TRADING_STATE_CLOSED, false)
	mult := in.GetMultiplier()
	if mult == 0 {
		mult = 1
	}
	st := book.TradingState(in.GetState())
	if st == 0 {
		st = book.Open
	}
	return book.Instrument{Symbol: in.GetSymbol(), PriceDecimals: uint8(in.GetPriceDecimals()), TickSize: book.Price(in.GetTickSize()),
		LotSize: book.Qty(in.GetLotSize()), Multiplier: mult, BandBps: in.GetBandBps(), RefPrice: book.Price(in.GetRefPrice()), State: st}
}

// accountFromPB validates an account definition under "account.".
func accountFromPB(v *violations, a *pb.Account) book.Account {
	if a == nil {
		v.add("account", "required")
		return book.Account{}
	}
	checkID(v, "account.id", a.GetId(), true)
	checkNonNeg(v, "account.max_order_qty", a.GetMaxOrderQty())
	checkNonNeg(v, "account.max_order_notional", a.GetMaxOrderNotional())
	checkNonNeg(v, "account.credit_limit", a.GetCreditLimit())
	checkNonNeg(v, "account.max_position", a.GetMaxPosition())
	checkEnum(v, "account.stp", a.GetStp(), pb.StpMode_STP_MODE_CANCEL_BOTH, false)
	for i, s := range a.GetRestricted() {
		checkID(v, fmt.Sprintf("account.restricted[%d]", i), s, true)
	}
	stp := book.STPMode(a.GetStp())
	if stp == 0 {
		stp = book.CancelAggressor
	}
	restricted := sortedUnique(a.GetRestricted())
	return book.Account{ID: a.GetId(), MaxOrderQty: book.Qty(a.GetMaxOrderQty()), MaxOrderNotional: book.Money(a.GetMaxOrderNotional()),
		CreditLimit: book.Money(a.GetCreditLimit()), MaxPosition: book.Qty(a.GetMaxPosition()), Restricted: restricted, STP: stp}
}

func adminTradeCommand(kind book.CmdKind, in *pb.Instrument, a *pb.Account) (book.Command, error) {
	var v violations
	c := book.Command{Kind: kind}
	switch kind {
	case book.CmdAddInstrument, book.CmdUpdateInstrument:
		c.Instrument = instrumentFromPB(&v, in)
		c.Symbol = c.Instrument.Symbol
	case book.CmdAddAccount, book.CmdUpdateAccount:
		c.Acct = accountFromPB(&v, a)
		c.Account = c.Acct.ID
	}
	return c, v.err()
}

func tradingStateCommand(r *pb.SetTradingStateRequest) (book.Command, error) {
	var v violations
	checkID(&v, "symbol", r.GetSymbol(), true)
	checkEnum(&v, "state", r.GetState(), pb.TradingState_TRADING_STATE_CLOSED, true)
	return book.Command{Kind: book.CmdSetTradingState, Symbol: r.GetSymbol(), State: book.TradingState(r.GetState())}, v.err()
}

func endOfDayCommand(r *pb.EndOfDayRequest) (book.Command, error) {
	var v violations
	checkID(&v, "symbol", r.GetSymbol(), false)
	return book.Command{Kind: book.CmdEndOfDay, Symbol: r.GetSymbol()}, v.err()
}

// Engine -> proto.

func orderToPB(o *book.OrderState) *pb.TradeOrder {
	if o.ID == 0 && o.ClOrdID == "" && o.Account == "" {
		return nil
	}
	return &pb.TradeOrder{OrderId: uint64(o.ID), Account: o.Account, Symbol: o.Symbol, ClOrdId: o.ClOrdID,
		OrigClOrdId: o.OrigClOrdID, Side: pb.Side(o.Side), Type: pb.OrdType(o.Type), Tif: pb.TimeInForce(o.TIF),
		Price: int64(o.Price), StopPrice: int64(o.StopPrice), Qty: int64(o.Qty), DisplayQty: int64(o.DisplayQty),
		CumQty: int64(o.CumQty), LeavesQty: int64(o.LeavesQty), CumNotional: o.CumNotional, Status: pb.OrdStatus(o.Status),
		PostOnly: o.PostOnly, ExpireTimeUnixNano: o.ExpireTime}
}

func instrumentToPB(in *book.Instrument) *pb.Instrument {
	if in == nil || in.Symbol == "" {
		return nil
	}
	return &pb.Instrument{Symbol: in.Symbol, PriceDecimals: uint32(in.PriceDecimals), TickSize: int64(in.TickSize),
		LotSize: int64(in.LotSize), Multiplier: in.Multiplier, BandBps: in.BandBps, RefPrice: int64(in.RefPrice),
		State: pb.TradingState(in.State)}
}

func accountToPB(a *book.Account) *pb.Account {
	if a == nil || a.ID == "" {
		return nil
	}
	return &pb.Account{Id: a.ID, MaxOrderQty: int64(a.MaxOrderQty), MaxOrderNotional: int64(a.MaxOrderNotional),
		CreditLimit: int64(a.CreditLimit), MaxPosition: int64(a.MaxPosition), Restricted: a.Restricted, Stp: pb.StpMode(a.STP)}
}

func tradeEventToPB(e *book.Event) *pb.TradeEvent {
	out := &pb.TradeEvent{Kind: e.Kind.String(), ExecId: uint64(e.ExecID), Order: orderToPB(&e.Order),
		MakerExecId: uint64(e.MakerExecID), TradeId: e.TradeID, LastQty: int64(e.LastQty), LastPx: int64(e.LastPx),
		Side: pb.Side(e.Side), Count: int64(e.Count), Replace: e.Replace,
		Instrument: instrumentToPB(e.Instrument), Account: accountToPB(e.Acct)}
	if e.Kind == book.EvTrade {
		out.Maker = orderToPB(&e.Maker)
	}
	if e.Reason != book.ReasonNone {
		out.Reason = e.Reason.String()
	}
	return out
}

func sortedUnique(in []string) []string {
	if len(in) == 0 {
		return nil
	}
	out := slices.Clone(in)
	slices.Sort(out)
	return slices.Compact(out)
}
