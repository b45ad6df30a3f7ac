package fix

import (
	"strconv"
	"time"

	"github.com/ordercore/oms/engine/book"
	"github.com/quickfixgo/quickfix"
	"github.com/quickfixgo/tag"
)

// instrumentFormat is what formatting an order's prices needs.
type instrumentFormat struct {
	known    bool
	decimals uint8
}

// execReport is an ExecutionReport (8) before version mapping.
type execReport struct {
	kind    execKind
	st      *book.OrderState
	inst    instrumentFormat
	execID  string
	orderID string // "NONE" for an order the engine never saw
	// lastQty and lastPx are set on fills.
	lastQty book.Qty
	lastPx  book.Price
	// rejReason is OrdRejReason on a rejected order, when hasRej.
	rejReason int
	hasRej    bool
	text      string
	time      time.Time
	// rawSide echoes the request's Side (54) when the engine's side is unset
	// (a refused request with a side the gateway does not support).
	rawSide string
}

// orderIDString renders an engine order id; zero means no order.
func orderIDString(id book.OrderID) string {
	if id == 0 {
		return "NONE"
	}
	return strconv.FormatUint(uint64(id), 10)
}

func sideChar(s book.Side) string {
	if s == book.Sell {
		return "2"
	}
	return "1"
}

func ordTypeChar(t book.OrdType) string {
	switch t {
	case book.Market:
		return "1"
	case book.Stop:
		return "3"
	case book.StopLimit:
		return "4"
	}
	return "2"
}

func tifChar(t book.TIF) string {
	switch t {
	case book.GTC:
		return "1"
	case book.IOC:
		return "3"
	case book.FOK:
		return "4"
	case book.GTD:
		return "6"
	}
	return "0"
}

func newMessage(msgType string) *quickfix.Message {
	m := quickfix.NewMessage()
	m.Header.SetString(tag.MsgType, msgType)
	return m
}

func setTime(m *quickfix.Message, t time.Time) {
	m.Body.SetField(tag.TransactTime, quickfix.FIXUTCTimestamp{Time: t.UTC(), Precision: quickfix.Millis})
}

// message builds the report for version v.
func (r *execReport) message(v version) *quickfix.Message {
	st := r.st
	m := newMessage("8")
	b := &m.Body
	execType, transType := execTypes(v, r.kind, st.Status)
	b.SetString(tag.OrderID, r.orderID)
	b.SetString(tag.ExecID, r.execID)
	if transType != 0 {
		b.SetString(tag.ExecTransType, string(transType))
	}
	b.SetString(tag.ExecType, string(execType))
	b.SetString(tag.OrdStatus, string(ordStatus(st.Status)))
	b.SetString(tag.ClOrdID, st.ClOrdID)
	if st.OrigClOrdID != "" {
		b.SetString(tag.OrigClOrdID, st.OrigClOrdID)
	}
	if st.Account != "" {
		b.SetString(tag.Account, st.Account)
	}
	b.SetString(tag.Symbol, st.Symbol)
	switch {
	case st.Side != 0:
		b.SetString(tag.Side, sideChar(st.Side))
	case r.rawSide != "":
		b.SetString(tag.Side, r.rawSide)
	}
	if st.Type != 0 {
		b.SetString(tag.OrdType, ordTypeChar(st.Type))
	}
	if st.TIF != 0 {
		b.SetString(tag.TimeInForce, tifChar(st.TIF))
	}
	if st.TIF == book.GTD && st.ExpireTime != 0 {
		b.SetField(tag.ExpireTime, quickfix.FIXUTCTimestamp{Time: time.Unix(0, st.ExpireTime).UTC(), Precision: quickfix.Millis})
	}
	r.setAmounts(b)
	if r.hasRej {
		b.SetInt(tag.OrdRejReason, r.rejReason)
	}
	text := r.text
	if r.kind == execTriggered {
		b.SetInt(tag.ExecRestatementReason, execRestatementReason(v))
		if text == "" {
			text = triggeredText
		}
	}
	if text != "" {
		b.SetString(tag.Text, text)
	}
	setTime(m, r.time)
	return m
}

// setAmounts sets the quantities and prices: OrderQty, MaxFloor, Price,
// StopPx, CumQty, LeavesQty, AvgPx and, on a fill, LastQty and LastPx.
func (r *execReport) setAmounts(b *quickfix.Body) {
	st := r.st
	b.SetString(tag.OrderQty, strconv.FormatInt(int64(st.Qty), 10))
	if st.DisplayQty > 0 {
		b.SetString(tag.MaxFloor, strconv.FormatInt(int64(st.DisplayQty), 10))
	}
	dec := r.inst.decimals
	if r.inst.known {
		if (st.Type == book.Limit || st.Type == book.StopLimit) && st.Price != 0 {
			b.SetString(tag.Price, formatScaled(int64(st.Price), dec))
		}
		if (st.Type == book.Stop || st.Type == book.StopLimit) && st.StopPrice != 0 {
			b.SetString(tag.StopPx, formatScaled(int64(st.StopPrice), dec))
		}
	}
	b.SetString(tag.CumQty, strconv.FormatInt(int64(st.CumQty), 10))
	b.SetString(tag.LeavesQty, strconv.FormatInt(int64(st.LeavesQty), 10))
	b.SetString(tag.AvgPx, formatAvgPx(st.CumNotional, int64(st.CumQty), dec))
	if r.kind == execTrade {
		// LastShares in FIX 4.2, LastQty in 4.4: the same tag 32.
		b.SetString(tag.LastQty, strconv.FormatInt(int64(r.lastQty), 10))
		b.SetString(tag.LastPx, formatScaled(int64(r.lastPx), dec))
	}
}

// cancelReject is an OrderCancelReject (9).
type cancelReject struct {
	orderID     string
	clOrdID     string
	origClOrdID string
	account     string
	status      book.OrdStatus
	replace     bool
	reason      int
	text        string
	time        time.Time
}

func (r *cancelReject) message() *quickfix.Message {
	m := newMessage("9")
	b := &m.Body
	b.SetString(tag.OrderID, r.orderID)
	b.SetString(tag.ClOrdID, r.clOrdID)
	b.SetString(tag.OrigClOrdID, r.origClOrdID)
	b.SetString(tag.OrdStatus, string(ordStatus(r.status)))
	if r.account != "" {
		b.SetString(tag.Account, r.account)
	}
	if r.replace {
		b.SetString(tag.CxlRejResponseTo, "2")
	} else {
		b.SetString(tag.CxlRejResponseTo, "1")
	}
	b.SetInt(tag.CxlRejReason, r.reason)
	if r.text != "" {
		b.SetString(tag.Text, r.text)
	}
	setTime(m, r.time)
	return m
}

// massCancelReport answers an OrderMassCancelRequest (q) for one account:
// an OrderMassCancelReport (r) on FIX 4.4. FIX 4.2 has neither message (both
// came with 4.3); the gateway accepts q on 4.2 as an extension and answers it
// with the cancelled orders' ExecutionReports only, plus a
// BusinessMessageReject (j) when the mass cancel is rejected.
type massCancelReport struct {
	orderID     string
	clOrdID     string
	requestType byte
	// response is MassCancelResponse: the request type when accepted,
	// massCancelRejected otherwise.
	response     byte
	rejectReason int
	affected     int
	symbol       string
	// account is the account the report is about. OrderMassCancelReport
	// has no Account (1) field, so the Text names it.
	account string
	text    string
	time    time.Time
}

// fullText is the report's Text: the account, then the reason if any.
func (r *massCancelReport) fullText() string {
	switch {
	case r.account == "":
		return r.text
	case r.text == "":
		return "account " + r.account
	}
	return "account " + r.account + ": " + r.text
}

// message builds the answer for version v, or returns nil when v has none
// to send: an accepted mass cancel on FIX 4.2, whose cancelled orders'
// ExecutionReports are the answer.
func (r *massCancelReport) message(v version) *quickfix.Message {
	if v == fix42 {
		if r.response != massCancelRejected {
			return nil
		}
		return r.businessReject()
	}
	m := newMessage("r")
	b := &m.Body
	b.SetString(tag.OrderID, r.orderID)
	b.SetString(tag.ClOrdID, r.clOrdID)
	b.SetString(tag.MassCancelRequestType, string(r.requestType))
	b.SetString(tag.MassCancelResponse, string(r.response))
	if r.response == massCancelRejected {
		b.SetInt(tag.MassCancelRejectReason, r.rejectReason)
	} else {
		b.SetInt(tag.TotalAffectedOrders, r.affected)
	}
	if r.symbol != "" {
		b.SetString(tag.Symbol, r.symbol)
	}
	if text := r.fullText(); text != "" {
		b.SetString(tag.Text, text)
	}
	setTime(m, r.time)
	return m
}

// businessReject is a rejected mass cancel on FIX 4.2: a
// BusinessMessageReject (j) referring to the q by its ClOrdID.
func (r *massCancelReport) businessReject() *quickfix.Message {
	m := newMessage("j")
	b := &m.Body
	b.SetString(tag.RefMsgType, "q")
	b.SetString(tag.BusinessRejectRefID, r.clOrdID)
	reason := bizRejOther
	if r.rejectReason == massRejInvalidSymbol {
		reason = bizRejUnknownSecurity
	}
	b.SetInt(tag.BusinessRejectReason, reason)
	if text := r.fullText(); text != "" {
		b.SetString(tag.Text, text)
	}
	return m
}
