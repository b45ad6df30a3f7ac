package book

import (
	"fmt"

	"github.com/ordercore/oms/engine/wire"
)

// Command encoding versions. The version is not written by EncodeCommand:
// it is the version of the enclosing payload (engine.AppendCommand), which
// passes it back to DecodeCommandVersion. Append only: journals hold every
// version ever written.
const (
	// CodecV1: a replace holds Account, OrderID, OrigClOrdID, ClOrdID,
	// Price, StopPrice and Qty.
	CodecV1 byte = 1
	// CodecV2: a replace also holds Symbol, Side, Type and TIF (zero: not
	// checked). A version 1 replace decodes with them zero.
	CodecV2 byte = 2
	// CodecV3: trade commands are as in version 2 (the payload version is
	// shared: version 3 adds the commerce commands' request ids).
	CodecV3 byte = 3
	// CodecV4: trade commands are as in version 2 (version 4 adds request
	// ids to more commerce commands).
	CodecV4 byte = 4
	// CodecVersion is the version EncodeCommand writes.
	CodecVersion = CodecV4
)

// EncodeCommand writes the canonical encoding of c, at CodecVersion: only
// the fields its Kind reads, so the encoding is compact and a change to an
// unrelated field cannot alter a journal record.
func EncodeCommand(w *wire.Writer, c *Command) {
	w.Byte(byte(c.Kind))
	switch c.Kind {
	case CmdAddInstrument, CmdUpdateInstrument:
		encodeInstrument(w, &c.Instrument)
	case CmdSetTradingState:
		w.String(c.Symbol)
		w.Byte(byte(c.State))
	case CmdAddAccount, CmdUpdateAccount:
		encodeAccount(w, &c.Acct)
	case CmdNewOrder:
		w.String(c.Account)
		w.String(c.Symbol)
		w.String(c.ClOrdID)
		w.Byte(byte(c.Side))
		w.Byte(byte(c.Type))
		w.Byte(byte(c.TIF))
		w.Varint(int64(c.Price))
		w.Varint(int64(c.StopPrice))
		w.Varint(int64(c.Qty))
		w.Varint(int64(c.DisplayQty))
		w.Bool(c.PostOnly)
		w.Varint(c.ExpireTime)
	case CmdCancel, CmdReplace:
		w.String(c.Account)
		w.Uvarint(uint64(c.OrderID))
		w.String(c.OrigClOrdID)
		w.String(c.ClOrdID)
		if c.Kind == CmdReplace {
			w.Varint(int64(c.Price))
			w.Varint(int64(c.StopPrice))
			w.Varint(int64(c.Qty))
			w.String(c.Symbol)
			w.Byte(byte(c.Side))
			w.Byte(byte(c.Type))
			w.Byte(byte(c.TIF))
		}
	case CmdMassCancel:
		w.String(c.Account)
		w.String(c.Symbol)
		w.String(c.ClOrdID)
	case CmdEndOfDay:
		w.String(c.Symbol)
	}
}

// DecodeCommand reads what EncodeCommand wrote. Problems are recorded in r.
// Accounts and symbols are read as names (see wire.Reader.Name).
func DecodeCommand(r *wire.Reader, c *Command) { DecodeCommandVersion(r, c, CodecVersion) }

// DecodeCommandVersion reads a command encoded at version v (CodecV1 or
// later): what EncodeCommand wrote when v was its version.
func DecodeCommandVersion(r *wire.Reader, c *Command, v byte) {
	*c = Command{Kind: CmdKind(r.Byte())}
	if v < CodecV1 || v > CodecVersion {
		r.Fail(fmt.Errorf("%w: trade command encoding version %d", wire.ErrCorrupt, v))
		return
	}
	switch c.Kind {
	case CmdAddInstrument, CmdUpdateInstrument:
		decodeInstrument(r, &c.Instrument)
	case CmdSetTradingState:
		c.Symbol = r.Name()
		c.State = TradingState(r.Byte())
	case CmdAddAccount, CmdUpdateAccount:
		decodeAccount(r, &c.Acct)
	case CmdNewOrder:
		c.Account = r.Name()
		c.Symbol = r.Name()
		c.ClOrdID = r.String()
		c.Side = Side(r.Byte())
		c.Type = OrdType(r.Byte())
		c.TIF = TIF(r.Byte())
		c.Price = Price(r.Varint())
		c.StopPrice = Price(r.Varint())
		c.Qty = Qty(r.Varint())
		c.DisplayQty = Qty(r.Varint())
		c.PostOnly = r.Bool()
		c.ExpireTime = r.Varint()
	case CmdCancel, CmdReplace:
		c.Account = r.Name()
		c.OrderID = OrderID(r.Uvarint())
		c.OrigClOrdID = r.String()
		c.ClOrdID = r.String()
		if c.Kind == CmdReplace {
			c.Price = Price(r.Varint())
			c.StopPrice = Price(r.Varint())
			c.Qty = Qty(r.Varint())
			if v >= CodecV2 {
				c.Symbol = r.Name()
				c.Side = Side(r.Byte())
				c.Type = OrdType(r.Byte())
				c.TIF = TIF(r.Byte())
			}
		}
	case CmdMassCancel:
		c.Account = r.Name()
		c.Symbol = r.Name()
		c.ClOrdID = r.String()
	case CmdEndOfDay:
		c.Symbol = r.Name()
	default:
		r.Fail(fmt.Errorf("%w: trade command kind %d", wire.ErrCorrupt, c.Kind))
	}
}

func encodeInstrument(w *wire.Writer, in *Instrument) {
	w.String(in.Symbol)
	w.Byte(in.PriceDecimals)
	w.Varint(int64(in.TickSize))
	w.Varint(int64(in.LotSize))
	w.Varint(in.Multiplier)
	w.Varint(in.BandBps)
	w.Varint(int64(in.RefPrice))
	w.Byte(byte(in.State))
}

func decodeInstrument(r *wire.Reader, in *Instrument) {
	in.Symbol = r.String()
	in.PriceDecimals = r.Byte()
	in.TickSize = Price(r.Varint())
	in.LotSize = Qty(r.Varint())
	in.Multiplier = r.Varint()
	in.BandBps = r.Varint()
	in.RefPrice = Price(r.Varint())
	in.State = TradingState(r.Byte())
}

func encodeAccount(w *wire.Writer, a *Account) {
	w.String(a.ID)
	w.Varint(int64(a.MaxOrderQty))
	w.Varint(int64(a.MaxOrderNotional))
	w.Varint(int64(a.CreditLimit))
	w.Varint(int64(a.MaxPosition))
	w.Uvarint(uint64(len(a.Restricted)))
	for _, s := range a.Restricted {
		w.String(s)
	}
	w.Byte(byte(a.STP))
}

func decodeAccount(r *wire.Reader, a *Account) {
	a.ID = r.String()
	a.MaxOrderQty = Qty(r.Varint())
	a.MaxOrderNotional = Money(r.Varint())
	a.CreditLimit = Money(r.Varint())
	a.MaxPosition = Qty(r.Varint())
	if n := r.Count(); n > 0 {
		a.Restricted = make([]string, n)
		for i := range a.Restricted {
			a.Restricted[i] = r.String()
		}
	}
	a.STP = STPMode(r.Byte())
}
