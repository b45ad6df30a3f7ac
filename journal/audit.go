package journal

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/engine/book"
)

// auditCommand is the JSON form of one journaled command: readable enum
// names, only the fields the command's kind uses. Its shape is for people
// and audit tools, not a second journal format: the binary record is the
// source of truth.
type auditCommand struct {
	Seq      uint64         `json:"seq"`
	Time     int64          `json:"time"`
	Rules    uint32         `json:"rules"`
	Kind     string         `json:"kind"`
	Trade    *auditTrade    `json:"trade,omitempty"`
	Commerce *auditCommerce `json:"commerce,omitempty"`
}

type auditTrade struct {
	Kind        string           `json:"kind"`
	Account     string           `json:"account,omitempty"`
	Symbol      string           `json:"symbol,omitempty"`
	ClOrdID     string           `json:"cl_ord_id,omitempty"`
	OrigClOrdID string           `json:"orig_cl_ord_id,omitempty"`
	OrderID     book.OrderID     `json:"order_id,omitempty"`
	Side        string           `json:"side,omitempty"`
	Type        string           `json:"type,omitempty"`
	TIF         string           `json:"tif,omitempty"`
	Price       book.Price       `json:"price,omitempty"`
	StopPrice   book.Price       `json:"stop_price,omitempty"`
	Qty         book.Qty         `json:"qty,omitempty"`
	DisplayQty  book.Qty         `json:"display_qty,omitempty"`
	PostOnly    bool             `json:"post_only,omitempty"`
	ExpireTime  int64            `json:"expire_time,omitempty"`
	State       string           `json:"state,omitempty"`
	Instrument  *auditInstrument `json:"instrument,omitempty"`
	Acct        *auditAccount    `json:"account_spec,omitempty"`
}

type auditInstrument struct {
	Symbol        string     `json:"symbol"`
	PriceDecimals uint8      `json:"price_decimals"`
	TickSize      book.Price `json:"tick_size"`
	LotSize       book.Qty   `json:"lot_size"`
	Multiplier    int64      `json:"multiplier"`
	BandBps       int64      `json:"band_bps"`
	RefPrice      book.Price `json:"ref_price"`
	State         string     `json:"state"`
}

type auditAccount struct {
	ID               string     `json:"id"`
	MaxOrderQty      book.Qty   `json:"max_order_qty"`
	MaxOrderNotional book.Money `json:"max_order_notional"`
	CreditLimit      book.Money `json:"credit_limit"`
	MaxPosition      book.Qty   `json:"max_position"`
	Restricted       []string   `json:"restricted,omitempty"`
	STP              string     `json:"stp"`
}

func newAuditTrade(c *book.Command) *auditTrade {
	a := &auditTrade{
		Kind: c.Kind.String(), Account: c.Account, Symbol: c.Symbol, ClOrdID: c.ClOrdID,
		OrigClOrdID: c.OrigClOrdID, OrderID: c.OrderID, Price: c.Price, StopPrice: c.StopPrice,
		Qty: c.Qty, DisplayQty: c.DisplayQty, PostOnly: c.PostOnly, ExpireTime: c.ExpireTime,
	}
	if c.Side != 0 {
		a.Side = c.Side.String()
	}
	if c.Type != 0 {
		a.Type = c.Type.String()
	}
	if c.TIF != 0 {
		a.TIF = c.TIF.String()
	}
	switch c.Kind {
	case book.CmdSetTradingState:
		a.State = c.State.String()
	case book.CmdAddInstrument, book.CmdUpdateInstrument:
		in := &c.Instrument
		a.Instrument = &auditInstrument{
			Symbol: in.Symbol, PriceDecimals: in.PriceDecimals, TickSize: in.TickSize, LotSize: in.LotSize,
			Multiplier: in.Multiplier, BandBps: in.BandBps, RefPrice: in.RefPrice, State: in.State.String(),
		}
	case book.CmdAddAccount, book.CmdUpdateAccount:
		ac := &c.Acct
		a.Acct = &auditAccount{
			ID: ac.ID, MaxOrderQty: ac.MaxOrderQty, MaxOrderNotional: ac.MaxOrderNotional, CreditLimit: ac.CreditLimit,
			MaxPosition: ac.MaxPosition, Restricted: ac.Restricted, STP: ac.STP.String(),
		}
	}
	return a
}

// WriteJSON writes c, journaled under engine rules version rules (see
// ScanRecords), as one line of JSON (JSON Lines) to w.
func WriteJSON(w io.Writer, c *engine.Command, rules uint32) error {
	a := auditCommand{Seq: c.Seq, Time: c.Time, Rules: rules, Kind: c.Kind.String()}
	switch c.Kind {
	case engine.KindTrade:
		a.Trade = newAuditTrade(&c.Trade)
	case engine.KindCommerce:
		a.Commerce = newAuditCommerce(&c.Commerce)
	}
	b, err := json.Marshal(&a)
	if err != nil {
		return fmt.Errorf("journal: json for seq %d: %w", c.Seq, err)
	}
	b = append(b, '\n')
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("journal: write json for seq %d: %w", c.Seq, err)
	}
	return nil
}
