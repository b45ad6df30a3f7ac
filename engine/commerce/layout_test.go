package commerce

import (
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestEventLayout pins the size of an Event on 64-bit platforms: a
// placement writes five or more of them into the sequencer's result slab,
// where the resume ring keeps them and the garbage collector scans them.
// A field added carelessly (a struct where a pointer would do, a one-byte
// field between two words) costs every placement. Grow it only on purpose.
func TestEventLayout(t *testing.T) {
	if reflect.TypeFor[uintptr]().Size() != 8 {
		t.Skip("layout pinned for 64-bit platforms")
	}
	require.LessOrEqual(t, reflect.TypeFor[Event]().Size(), uintptr(320))
}

// TestLocationLayout pins a location record at one cache line. Queries and
// placements read the locations of a SKU's cells, scattered over e.locs;
// when a cached cosine made the record 72 bytes, BenchmarkATP went from
// ~556 to ~791 ns (taskset -c 1, 5 interleaved rounds), though all 100
// locations fit in L1.
func TestLocationLayout(t *testing.T) {
	if reflect.TypeFor[uintptr]().Size() != 8 {
		t.Skip("layout pinned for 64-bit platforms")
	}
	require.LessOrEqual(t, reflect.TypeFor[location]().Size(), uintptr(64))
}
