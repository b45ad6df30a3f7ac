package book_test

import (
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ordercore/oms/engine/book"
)

// TestEventLayout pins the size of an Event on 64-bit platforms. Events
// are copied into every result, kept in the sequencer's resume ring and
// scanned by the garbage collector hundreds of thousands of times per
// second: a field added carelessly (a struct where a pointer would do,
// a bool between two words) costs throughput and tail latency everywhere.
// Grow the bound only on purpose.
func TestEventLayout(t *testing.T) {
	if reflect.TypeFor[uintptr]().Size() != 8 {
		t.Skip("layout pinned for 64-bit platforms")
	}
	require.LessOrEqual(t, reflect.TypeFor[book.OrderState]().Size(), uintptr(144), "OrderState")
	require.LessOrEqual(t, reflect.TypeFor[book.Event]().Size(), uintptr(368), "Event") // 368: MassCancel, which had sat in Order.ID and reached order streams
}
