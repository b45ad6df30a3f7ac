package fix

import (
	"testing"

	"github.com/quickfixgo/tag"
)

func TestLogonAndNewOrder(t *testing.T) {
	v := newEnv(t, "", "")
	v.desk1.send("D", tag.ClOrdID, "a1", tag.Symbol, testSymbol, tag.Side, "1", tag.OrderQty, "100",
		tag.OrdType, "2", tag.Price, "101.25", tag.TimeInForce, "1")
	expect(t, v.desk1.next(), "8", tag.ExecType, "0", tag.OrdStatus, "0", tag.ClOrdID, "a1", tag.Account, "DESK1",
		tag.Price, "101.25", tag.LeavesQty, "100", tag.CumQty, "0", tag.AvgPx, "0.00")
	v.desk2.send("D", tag.ClOrdID, "b1", tag.Account, "DESK2", tag.Symbol, testSymbol, tag.Side, "2", tag.OrderQty, "30",
		tag.OrdType, "2", tag.Price, "101.00", tag.HandlInst, "1")
	expect(t, v.desk2.next(), "8", tag.ExecTransType, "0", tag.ExecType, "0", tag.OrdStatus, "0", tag.ClOrdID, "b1")
	expect(t, v.desk2.next(), "8", tag.ExecTransType, "0", tag.ExecType, "2", tag.OrdStatus, "2", tag.ClOrdID, "b1",
		tag.LastQty, "30", tag.LastPx, "101.25", tag.CumQty, "30", tag.LeavesQty, "0", tag.AvgPx, "101.25")
	expect(t, v.desk1.next(), "8", tag.ExecType, "F", tag.OrdStatus, "1", tag.ClOrdID, "a1",
		tag.LastQty, "30", tag.LastPx, "101.25", tag.CumQty, "30", tag.LeavesQty, "70", tag.AvgPx, "101.25")
}
