package fix

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/engine/book"
	"github.com/quickfixgo/quickfix"
	"github.com/quickfixgo/quickfix/datadictionary"
	"github.com/quickfixgo/tag"
	"github.com/stretchr/testify/require"
)

// The tests in this file are the guard against values and fields a strict
// counterparty rejects: every message the gateway sends is validated against
// the stock QuickFIX data dictionary of its version (FIX42.xml, FIX44.xml,
// shipped in the quickfix module), as a QuickFIX peer configured with
// DataDictionary and the default validation settings would. An enum value
// out of range, a tag not defined for the message type, a missing required
// tag or an unknown MsgType fails them.

var stock struct {
	once  sync.Once
	err   error
	dicts map[version]*datadictionary.DataDictionary
}

// quickfixSpecDir is the spec directory of the quickfix module the build
// uses: $QUICKFIX_SPEC_DIR, else found with `go list -m`.
func quickfixSpecDir() (string, error) {
	if d := os.Getenv("QUICKFIX_SPEC_DIR"); d != "" {
		return d, nil
	}
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/quickfixgo/quickfix").Output()
	if err != nil {
		return "", err
	}
	return filepath.Join(strings.TrimSpace(string(out)), "spec"), nil
}

// stockDictionary returns the stock data dictionary of v.
func stockDictionary(t testing.TB, v version) *datadictionary.DataDictionary {
	t.Helper()
	stock.once.Do(func() {
		dir, err := quickfixSpecDir()
		if err != nil {
			stock.err = err
			return
		}
		stock.dicts = map[version]*datadictionary.DataDictionary{}
		for v, name := range map[version]string{fix42: "FIX42.xml", fix44: "FIX44.xml"} {
			dd, err := datadictionary.Parse(filepath.Join(dir, name))
			if err != nil {
				stock.err = err
				return
			}
			stock.dicts[v] = dd
		}
	})
	require.NoError(t, stock.err, "loading the stock dictionaries (set QUICKFIX_SPEC_DIR to the quickfix module's spec directory)")
	return stock.dicts[v]
}

// strictValidator validates as a QuickFIX session with DataDictionary set
// and the default validation settings.
func strictValidator(t testing.TB, v version) quickfix.Validator {
	t.Helper()
	return quickfix.NewValidator(quickfix.ValidatorSettings{
		CheckFieldsOutOfOrder:     true,
		CheckFieldsHaveValues:     true,
		RejectInvalidMessage:      true,
		AllowUnknownMessageFields: false,
		CheckUserDefinedFields:    true,
	}, stockDictionary(t, v), nil)
}

// requireValid fails unless m, a message as received (parsed from the
// wire), passes val.
func requireValid(t testing.TB, val quickfix.Validator, m *quickfix.Message, what string) {
	t.Helper()
	if err := val.Validate(m); err != nil {
		ref := ""
		if tg := err.RefTagID(); tg != nil {
			ref = " (tag " + strconv.Itoa(int(*tg)) + ")"
		}
		t.Fatalf("%s: rejected by the stock dictionary: %s%s\n%s", what, err.Error(), ref,
			strings.ReplaceAll(m.String(), "\x01", "|"))
	}
	// FIX 4.2 and 4.4 define UTCTimestamp as YYYYMMDD-HH:MM:SS with
	// optional milliseconds; microseconds came with FIX 5.0, and QuickFIX's
	// validator does not check the form.
	for _, tg := range []quickfix.Tag{tag.SendingTime, tag.OrigSendingTime, tag.TransactTime, tag.ExpireTime} {
		for _, part := range []*quickfix.FieldMap{&m.Header.FieldMap, &m.Body.FieldMap} {
			if v, err := part.GetString(tg); err == nil && !fix4Timestamp.MatchString(v) {
				t.Fatalf("%s: tag %d is %q, not a FIX 4 UTCTimestamp\n%s", what, tg, v,
					strings.ReplaceAll(m.String(), "\x01", "|"))
			}
		}
	}
}

// fix4Timestamp is the UTCTimestamp form of FIX 4.2 and 4.4.
var fix4Timestamp = regexp.MustCompile(`^[0-9]{8}-[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{3})?$`)

// onTheWire gives m, built by the gateway with only MsgType in its header,
// the header a session adds, and parses it back as a peer would.
func onTheWire(t testing.TB, v version, m *quickfix.Message) *quickfix.Message {
	t.Helper()
	m.Header.SetString(tag.BeginString, v.String())
	m.Header.SetString(tag.SenderCompID, "OMS")
	m.Header.SetString(tag.TargetCompID, "DESK")
	m.Header.SetInt(tag.MsgSeqNum, 2)
	m.Header.SetField(tag.SendingTime, quickfix.FIXUTCTimestamp{Time: time.Now(), Precision: quickfix.Millis})
	parsed := quickfix.NewMessage()
	require.NoError(t, quickfix.ParseMessage(parsed, bytes.NewBufferString(m.String())))
	return parsed
}

// TestBuiltMessagesMatchDictionaries validates every message the report
// builders produce, for every engine reason code (including codes not yet
// defined, so a reason added later is covered), every report kind and
// order status, and every order type and time in force.
func TestBuiltMessagesMatchDictionaries(t *testing.T) {
	now := time.Now()
	inst := instrumentFormat{known: true, decimals: 2}
	statuses := []book.OrdStatus{book.StatusNew, book.StatusPartiallyFilled, book.StatusFilled, book.StatusCanceled,
		book.StatusRejected, book.StatusExpired, book.StatusPendingTrigger}
	kinds := []execKind{execNew, execTrade, execCanceled, execReplaced, execRejected, execExpired, execTriggered, execStatus}
	types := []book.OrdType{0, book.Market, book.Limit, book.Stop, book.StopLimit}
	tifs := []book.TIF{0, book.Day, book.GTC, book.IOC, book.FOK, book.GTD}
	for _, v := range []version{fix42, fix44} {
		t.Run(v.String(), func(t *testing.T) {
			val := strictValidator(t, v)
			check := func(m *quickfix.Message, what string) {
				t.Helper()
				requireValid(t, val, onTheWire(t, v, m), what)
			}
			// Every report kind, in every status, with every order type and TIF.
			for _, k := range kinds {
				for _, st := range statuses {
					for _, typ := range types {
						for _, tif := range tifs {
							ord := book.OrderState{
								ID: 7, Account: "A1", Symbol: "ACME", ClOrdID: "c2", OrigClOrdID: "c1",
								Side: book.Sell, Type: typ, TIF: tif, Price: 10005, StopPrice: 10000,
								Qty: 30, DisplayQty: 10, CumQty: 10, LeavesQty: 20, CumNotional: 100050,
								ExpireTime: now.Add(time.Hour).UnixNano(), Status: st,
							}
							r := execReport{kind: k, st: &ord, inst: inst, execID: "9", orderID: "7",
								lastQty: 10, lastPx: 10005, text: "x", time: now}
							check(r.message(v), fmt.Sprintf("execution report: kind %d, status %s, type %s, tif %s",
								k, st, typ, tif))
						}
					}
				}
			}
			// Rejects and cancel rejects for every reason code.
			for i := 0; i < 256; i++ {
				reason := book.Reason(i)
				st := book.OrderState{Account: "A1", Symbol: "ACME", ClOrdID: "c1", Side: book.Buy, Type: book.Limit,
					TIF: book.Day, Price: 10000, Qty: 10, Status: book.StatusRejected}
				r := execReport{kind: execRejected, st: &st, inst: inst, execID: "R1", orderID: "NONE",
					rejReason: ordRejReason(v, reason), hasRej: true, text: reason.String(), time: now}
				check(r.message(v), "order reject "+reason.String())
				for _, replace := range []bool{false, true} {
					for _, status := range statuses {
						cr := cancelReject{orderID: "NONE", clOrdID: "c2", origClOrdID: "c1", account: "A1",
							status: status, replace: replace, reason: cxlRejReason(v, reason), text: reason.String(), time: now}
						check(cr.message(), "cancel reject "+reason.String())
					}
				}
				for _, typ := range []byte{massCancelBySymbol, massCancelAll, '3'} {
					mr := massCancelReport{orderID: "MC-1", clOrdID: "q1", requestType: typ, response: massCancelRejected,
						rejectReason: massRejectReason(reason), symbol: "ACME", account: "A1", text: reason.String(), time: now}
					m := mr.message(v)
					require.NotNil(t, m, "a rejected mass cancel is always answered")
					check(m, "mass cancel reject "+reason.String())
				}
			}
			// Accepted mass cancels.
			for _, typ := range []byte{massCancelBySymbol, massCancelAll} {
				sym := ""
				if typ == massCancelBySymbol {
					sym = "ACME"
				}
				mr := massCancelReport{orderID: "MC-1", clOrdID: "q1", requestType: typ, response: typ, affected: 2,
					symbol: sym, account: "A1", time: now}
				m := mr.message(v)
				if v == fix42 {
					require.Nil(t, m, "FIX 4.2 has no OrderMassCancelReport")
					continue
				}
				check(m, "mass cancel report")
			}
		})
	}
}

// dictDesk is a desk whose every received message is validated.
type dictDesk struct {
	desk
	v    version
	val  quickfix.Validator
	seen map[string]int
}

// kindOf names a message for the coverage check: MsgType, and for an
// ExecutionReport its ExecType (and ExecTransType 3 for a 4.2 status).
func kindOf(f map[quickfix.Tag]string) string {
	k := f[tag.MsgType]
	if k == "8" {
		k += "/" + f[tag.ExecType]
		if f[tag.ExecTransType] == "3" {
			k += "/status"
		}
	}
	return k
}

// recv returns the next application message, validated.
func (d *dictDesk) recv() *quickfix.Message {
	d.t.Helper()
	return d.validated(d.client.next(), "application message")
}

// recvAdmin returns the next Reject or Logout, validated.
func (d *dictDesk) recvAdmin() *quickfix.Message {
	d.t.Helper()
	return d.validated(d.client.nextAdmin(), "admin message")
}

// validated fails unless m passes the stock dictionary, and counts its kind.
func (d *dictDesk) validated(m *quickfix.Message, what string) *quickfix.Message {
	d.t.Helper()
	requireValid(d.t, d.val, m, d.id.BeginString+" "+what)
	d.seen[kindOf(fields(d.t, m))]++
	return m
}

func (d *dictDesk) expectNew(clOrdID string) {
	d.t.Helper()
	expect(d.t, d.recv(), "8", tag.ExecType, "0", tag.ClOrdID, clOrdID)
}

func (d *dictDesk) rejected(clOrdID, reason string) {
	d.t.Helper()
	expect(d.t, d.recv(), "8", tag.ExecType, "8", tag.OrdStatus, "8", tag.ClOrdID, clOrdID, tag.OrdRejReason, reason)
}

// TestOutgoingMessagesMatchDictionaries drives a FIX 4.4 and a FIX 4.2
// session through every kind of message the gateway sends, validating each
// one received against the stock dictionary of its version.
func TestOutgoingMessagesMatchDictionaries(t *testing.T) {
	v := newEnv(t, "", "")
	c := v.core
	// Counterparties entered through the engine directly; their reports
	// reach no session. BAND has a 1% price band, HALT is halted.
	for _, a := range []string{"MM1", "MM2"} {
		res := c.submit(t, book.Command{Kind: book.CmdAddAccount, Acct: book.Account{ID: a, STP: book.CancelAggressor}})
		require.Equal(t, book.EvAccount, res.Trade[0].Kind)
	}
	for _, in := range []book.Instrument{
		{Symbol: "BAND", PriceDecimals: 2, TickSize: 5, LotSize: 10, Multiplier: 1, RefPrice: 10000, BandBps: 100, State: book.Open},
		{Symbol: "HALT", PriceDecimals: 2, TickSize: 5, LotSize: 10, Multiplier: 1, RefPrice: 10000, State: book.Halted},
	} {
		res := c.submit(t, book.Command{Kind: book.CmdAddInstrument, Instrument: in})
		require.Equal(t, book.EvInstrument, res.Trade[0].Kind, "%s: %v", in.Symbol, res.Trade[0].Reason)
	}
	mm := func(acct, clOrdID string, side book.Side, qty book.Qty, px book.Price) {
		t.Helper()
		res := c.submit(t, book.Command{Kind: book.CmdNewOrder, Account: acct, Symbol: testSymbol, ClOrdID: clOrdID,
			Side: side, Type: book.Limit, TIF: book.Day, Price: px, Qty: qty})
		require.NotEqual(t, book.EvRejected, res.Trade[0].Kind, "%s: %v", clOrdID, res.Trade[0].Reason)
	}
	mmClear := func(id string) {
		t.Helper()
		for _, a := range []string{"MM1", "MM2"} {
			c.submit(t, book.Command{Kind: book.CmdMassCancel, Account: a, ClOrdID: id + a})
		}
	}

	for _, base := range v.desks() {
		ver := fix42
		if base.v44 {
			ver = fix44
		}
		t.Run(base.id.BeginString, func(t *testing.T) {
			base.t = t
			d := &dictDesk{desk: base, v: ver, val: strictValidator(t, ver), seen: map[string]int{}}
			pfx := d.acct + "-"
			ex := func(v44, v42 string) string { return d.execType(v44, v42) }

			// New, status, replace, maker partial fill and fill, status of a filled order.
			d.limit("n1", "1", "20", "100.00")
			d.expectNew("n1")
			d.send("H", tag.ClOrdID, "n1", tag.Account, d.acct, tag.Symbol, testSymbol, tag.Side, "1")
			expect(t, d.recv(), "8", tag.ExecType, ex("I", "0"), tag.OrdStatus, "0")
			d.send("G", tag.ClOrdID, "n2", tag.OrigClOrdID, "n1", tag.Account, d.acct, tag.Symbol, testSymbol,
				tag.Side, "1", tag.OrderQty, "30", tag.OrdType, "2", tag.Price, "100.05", tag.HandlInst, "1")
			expect(t, d.recv(), "8", tag.ExecType, "5", tag.ClOrdID, "n2")
			mm("MM1", pfx+"s1", book.Sell, 10, 10005)
			expect(t, d.recv(), "8", tag.ExecType, ex("F", "1"), tag.OrdStatus, "1", tag.ClOrdID, "n2")
			mm("MM1", pfx+"s2", book.Sell, 20, 10005)
			expect(t, d.recv(), "8", tag.ExecType, ex("F", "2"), tag.OrdStatus, "2", tag.ClOrdID, "n2")
			d.send("H", tag.ClOrdID, "n2", tag.Account, d.acct, tag.Symbol, testSymbol, tag.Side, "1")
			expect(t, d.recv(), "8", tag.ExecType, ex("I", "2"), tag.OrdStatus, "2")

			// Taker partial fill, then cancel of the rest.
			mm("MM2", pfx+"s3", book.Sell, 10, 9900)
			d.limit("t1", "1", "20", "99.00", tag.MaxFloor, "10")
			d.expectNew("t1")
			expect(t, d.recv(), "8", tag.ExecType, ex("F", "1"), tag.ClOrdID, "t1", tag.LastQty, "10")
			d.send("F", tag.ClOrdID, "t2", tag.OrigClOrdID, "t1", tag.Account, d.acct, tag.Symbol, testSymbol,
				tag.Side, "1", tag.OrderQty, "20")
			expect(t, d.recv(), "8", tag.ExecType, "4", tag.OrdStatus, "4", tag.ClOrdID, "t2")

			// Rejects of each class: the gateway's refusals...
			d.limit("r1", "1", "10", "100.03")
			d.rejected("r1", ex("99", "0")) // off tick
			d.limit("r2", "1", "15", "100.00")
			d.rejected("r2", ex("13", "0")) // off lot
			d.send("D", tag.ClOrdID, "r3", tag.Account, d.acct, tag.Symbol, "NOPE", tag.Side, "1",
				tag.OrderQty, "10", tag.OrdType, "2", tag.Price, "1", tag.HandlInst, "1")
			d.rejected("r3", "1") // unknown symbol
			d.send("D", tag.ClOrdID, "r4", tag.Account, d.acct, tag.Symbol, testSymbol, tag.Side, "5",
				tag.OrderQty, "10", tag.OrdType, "2", tag.Price, "100", tag.HandlInst, "1")
			d.rejected("r4", ex("11", "0")) // unsupported side
			d.send("D", tag.ClOrdID, "r5", tag.Account, d.acct, tag.Symbol, testSymbol, tag.Side, "1",
				tag.OrderQty, "10", tag.OrdType, "D", tag.HandlInst, "1")
			d.rejected("r5", ex("11", "0")) // unsupported order type
			d.limit("r6", "1", "10", "100.00", tag.TimeInForce, "2")
			d.rejected("r6", ex("11", "0")) // unsupported time in force
			d.send("D", tag.ClOrdID, "r7", tag.Account, "OTHER", tag.Symbol, testSymbol, tag.Side, "1",
				tag.OrderQty, "10", tag.OrdType, "2", tag.Price, "100", tag.HandlInst, "1")
			d.rejected("r7", ex("15", "0")) // account not permitted
			if !d.v44 {
				d.send("D", tag.ClOrdID, "r8", tag.Symbol, testSymbol, tag.Side, "1",
					tag.OrderQty, "10", tag.OrdType, "2", tag.Price, "100", tag.HandlInst, "1")
				d.rejected("r8", "0") // account required: the session trades two
			}
			// ... and the engine's.
			d.send("D", tag.ClOrdID, "e1", tag.Account, d.acct, tag.Symbol, "BAND", tag.Side, "1",
				tag.OrderQty, "10", tag.OrdType, "2", tag.Price, "110.00", tag.HandlInst, "1")
			d.rejected("e1", ex("99", "0")) // outside the price band
			d.send("D", tag.ClOrdID, "e2", tag.Account, d.acct, tag.Symbol, "HALT", tag.Side, "1",
				tag.OrderQty, "10", tag.OrdType, "2", tag.Price, "100.00", tag.HandlInst, "1")
			d.rejected("e2", "2") // instrument halted
			d.limit("k1", "1", "10", "90.00")
			d.expectNew("k1")
			d.limit("k1", "1", "10", "90.00")
			d.rejected("k1", "6") // duplicate ClOrdID
			mm("MM1", pfx+"s4", book.Sell, 10, 10100)
			d.limit("e3", "1", "10", "101.00", tag.ExecInst, "6")
			d.rejected("e3", ex("11", "0")) // post-only would take
			mmClear(pfx + "x1")

			// Cancel rejects: unknown order, too late, a refused replace, an account not permitted.
			d.send("F", tag.ClOrdID, "c1", tag.OrigClOrdID, "ghost", tag.Account, d.acct, tag.Symbol, testSymbol, tag.Side, "1")
			expect(t, d.recv(), "9", tag.CxlRejReason, "1", tag.CxlRejResponseTo, "1")
			d.send("G", tag.ClOrdID, "c2", tag.OrigClOrdID, "t2", tag.Account, d.acct, tag.Symbol, testSymbol,
				tag.Side, "1", tag.OrderQty, "20", tag.OrdType, "2", tag.Price, "99.00", tag.HandlInst, "1")
			expect(t, d.recv(), "9", tag.CxlRejReason, "0", tag.CxlRejResponseTo, "2")
			d.send("G", tag.ClOrdID, "c3", tag.OrigClOrdID, "k1", tag.Account, d.acct, tag.Symbol, testSymbol,
				tag.Side, "1", tag.OrderQty, "10", tag.OrdType, "2", tag.Price, "90.01", tag.HandlInst, "1")
			expect(t, d.recv(), "9", tag.CxlRejReason, ex("99", "2"), tag.CxlRejResponseTo, "2")
			d.send("F", tag.ClOrdID, "c4", tag.OrigClOrdID, "k1", tag.Account, "OTHER", tag.Symbol, testSymbol, tag.Side, "1")
			expect(t, d.recv(), "9", tag.CxlRejReason, ex("99", "2"))

			// Triggered stop-limit, then its fill.
			mm("MM1", pfx+"s5", book.Sell, 20, 10200)
			d.send("D", tag.ClOrdID, "st", tag.Account, d.acct, tag.Symbol, testSymbol, tag.Side, "1",
				tag.OrderQty, "10", tag.OrdType, "4", tag.Price, "102.00", tag.StopPx, "102.00", tag.HandlInst, "1")
			d.expectNew("st")
			mm("MM2", pfx+"b1", book.Buy, 10, 10200)
			expect(t, d.recv(), "8", tag.ExecType, "D", tag.ClOrdID, "st", tag.ExecRestatementReason, ex("99", "4"))
			expect(t, d.recv(), "8", tag.ExecType, ex("F", "2"), tag.OrdStatus, "2", tag.ClOrdID, "st")
			mmClear(pfx + "x2")

			// Expired GTD order.
			expire := time.Now().Add(200 * time.Millisecond).UTC()
			d.limit("g1", "1", "10", "90.00", tag.TimeInForce, "6", tag.ExpireTime, expire.Format("20060102-15:04:05.000"))
			d.expectNew("g1")
			deadline := time.Now().Add(wait)
			for expired := false; !expired; {
				_, err := c.seq.Submit(context.Background(), engine.Command{Kind: engine.KindTick})
				require.NoError(t, err)
				select {
				case m := <-d.app:
					requireValid(t, d.val, m, "expiry")
					d.seen[kindOf(fields(t, m))]++
					expect(t, m, "8", tag.ExecType, "C", tag.OrdStatus, "C", tag.ClOrdID, "g1")
					expired = true
				case <-time.After(50 * time.Millisecond):
				}
				require.True(t, time.Now().Before(deadline), "no expiry report")
			}

			// Mass cancels: accepted with orders, accepted with none, rejected three ways.
			d.limit("m1", "2", "10", "105.00")
			d.expectNew("m1")
			d.send("q", tag.ClOrdID, "q1", tag.Account, d.acct, tag.MassCancelRequestType, "7")
			expect(t, d.recv(), "8", tag.ExecType, "4", tag.ClOrdID, "q1", tag.OrigClOrdID, "k1")
			expect(t, d.recv(), "8", tag.ExecType, "4", tag.ClOrdID, "q1", tag.OrigClOrdID, "m1")
			if d.v44 {
				expect(t, d.recv(), "r", tag.ClOrdID, "q1", tag.MassCancelResponse, "7", tag.TotalAffectedOrders, "2")
			}
			d.send("q", tag.ClOrdID, "q2", tag.Account, d.acct, tag.MassCancelRequestType, "1", tag.Symbol, testSymbol)
			if d.v44 {
				expect(t, d.recv(), "r", tag.ClOrdID, "q2", tag.MassCancelResponse, "1", tag.TotalAffectedOrders, "0")
			}
			for _, q := range []struct {
				id, acct, typ, sym, r44, j42 string
			}{
				{"q3", d.acct, "1", "NOPE", "1", "2"},
				{"q4", d.acct, "3", "", "0", "0"},
				{"q5", "OTHER", "7", "", "99", "0"},
			} {
				f := []any{tag.ClOrdID, q.id, tag.Account, q.acct, tag.MassCancelRequestType, q.typ}
				if q.sym != "" {
					f = append(f, tag.Symbol, q.sym)
				}
				d.send("q", f...)
				if d.v44 {
					expect(t, d.recv(), "r", tag.ClOrdID, q.id, tag.MassCancelResponse, "0", tag.MassCancelRejectReason, q.r44)
				} else {
					expect(t, d.recv(), "j", tag.RefMsgType, "q", tag.BusinessRejectRefID, q.id, tag.BusinessRejectReason, q.j42)
				}
			}

			// Status of an unknown order.
			d.send("H", tag.ClOrdID, "nope", tag.Account, d.acct, tag.Symbol, testSymbol, tag.Side, "1")
			expect(t, d.recv(), "8", tag.ExecType, ex("I", "8"), tag.OrdStatus, "8", tag.OrdRejReason, "5")

			// Business reject of an unsupported message type (QuickFIX builds it).
			d.send("R", tag.QuoteReqID, "qr1", tag.Symbol, testSymbol)
			expect(t, d.recv(), "j", tag.RefMsgType, "R", tag.BusinessRejectReason, "3")

			// Session Reject of a malformed request (QuickFIX builds it).
			d.send("D", tag.Account, d.acct, tag.Symbol, testSymbol, tag.Side, "1",
				tag.OrderQty, "10", tag.OrdType, "2", tag.Price, "100", tag.HandlInst, "1")
			expect(t, d.recvAdmin(), "3", tag.RefTagID, "11")

			d.none(100 * time.Millisecond)
			require.Empty(t, d.admin, "no other admin message")

			want := []string{"8/0", "8/4", "8/5", "8/8", "8/C", "8/D", "9", "j", "3"}
			if d.v44 {
				want = append(want, "8/F", "8/I", "r")
			} else {
				want = append(want, "8/1", "8/2", "8/0/status", "8/2/status", "8/8/status")
				require.NotContains(t, d.seen, "r", "FIX 4.2 has no OrderMassCancelReport")
			}
			for _, k := range want {
				require.Contains(t, d.seen, k, "kind %s not exercised; seen %v", k, sortedKeys(d.seen))
			}
		})
	}
}

func sortedKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
