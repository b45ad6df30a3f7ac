package book_test

import (
	"strconv"
	"testing"

	"github.com/ordercore/oms/engine/book"
)

// TestTooLateCancelDoesNotAllocate: a "too late" cancel reject should not
// allocate: the finished order's client order id stays in the key arena,
// since the reject reports the request's ids.
func TestTooLateCancelDoesNotAllocate(t *testing.T) {
	e, apply, now := engineWithX("A")
	evs := apply(book.Command{Kind: book.CmdNewOrder, Account: "A", Symbol: "X", ClOrdID: "a-finished-order-with-a-long-client-id", Side: book.Buy, Type: book.Limit, TIF: book.IOC, Price: 100, Qty: 5})
	id := evs[0].Order.ID
	const runs = 2000
	cmds := make([]book.Command, runs+1)
	for i := range cmds {
		cmds[i] = book.Command{Kind: book.CmdCancel, Account: "A", OrderID: id, ClOrdID: "x" + strconv.Itoa(i)}
	}
	out := make([]book.Event, 0, 16)
	i := 0
	allocs := testing.AllocsPerRun(runs, func() {
		*now++
		out = e.Apply(&cmds[i], *now, out[:0])
		i++
	})
	if out[0].Reason != book.ReasonTooLate {
		t.Fatalf("got %v", out[0].Reason)
	}
	if allocs >= 0.5 {
		t.Errorf("%.2f allocations per too-late cancel", allocs)
	}
}
