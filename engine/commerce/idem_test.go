package commerce

import (
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestIdemCollision: two keys whose hashes collide are told apart (the
// second goes to the overflow map) through placement, lookup, archiving
// and forgetting. A real 64-bit collision is impractical to find, so the
// test plants one: it files order A under B's hash before B is placed.
func TestIdemCollision(t *testing.T) {
	e := New()
	out := e.Apply(&Command{Kind: CmdSetLocation, Location: Location{ID: 1, Kind: Warehouse, Ships: true, Active: true,
		At: Coord{Lat: 48_850_000, Lon: 2_350_000}}}, 0, nil)
	require.Equal(t, EvLocation, out[0].Kind)
	place := func(id string) OrderID {
		out := e.Apply(&Command{Kind: CmdPlaceOrder, Channel: Web, ChannelOrderID: id, Customer: "c",
			ShipTo: Coord{Lat: 48_850_000, Lon: 2_350_000}, Payment: PaymentAuthorised,
			Lines: []LineInput{{SKU: "S", Qty: 1, UnitPrice: 100, Currency: "EUR"}}}, 0, nil)
		require.NotEqual(t, EvRejected, out[0].Kind, "%+v", out[0])
		return out[0].Order
	}
	e.Apply(&Command{Kind: CmdSetStock, SKU: "S", Loc: 1, Qty: 10, Version: 1}, 0, nil)
	// The planted collision: "A" and "B" hash alike.
	e.idem.hash = func(ch Channel, key string) uint64 {
		if key == "B" {
			key = "A"
		}
		return idemHash(ch, key)
	}
	a := place("A")

	b := place("B")
	require.NotEqual(t, a, b, "B is a new order, not a duplicate of A")
	require.Len(t, e.idem.overflow[Web], 1, "B went to the overflow map")
	for id, want := range map[string]OrderID{"A": a, "B": b} {
		got, ok := e.OrderByChannelID(Web, id)
		require.True(t, ok)
		require.Equal(t, want, got, id)
	}
	out = e.Apply(&Command{Kind: CmdPlaceOrder, Channel: Web, ChannelOrderID: "B", Customer: "c",
		ShipTo: Coord{Lat: 48_850_000, Lon: 2_350_000}, Payment: PaymentAuthorised,
		Lines: []LineInput{{SKU: "S", Qty: 1, UnitPrice: 100, Currency: "EUR"}}}, 0, nil)
	require.True(t, out[0].Duplicate, "a re-submit of B finds B")
	require.Equal(t, b, out[0].Order)
	require.Equal(t, 2, e.idem.len())

	e.idemDelete(Web, "B")
	require.Empty(t, e.idem.overflow[Web])
	_, ok := e.OrderByChannelID(Web, "B")
	require.False(t, ok)
	got, ok := e.OrderByChannelID(Web, "A")
	require.True(t, ok)
	require.Equal(t, a, got)
}

// TestRecordsHaveNoPointers: the garbage collector never scans order
// records, tombstones or the idempotency index only while they hold no
// pointers (a week of retention keeps millions of each).
func TestRecordsHaveNoPointers(t *testing.T) {
	var check func(reflect.Type, string)
	check = func(ty reflect.Type, path string) {
		switch ty.Kind() {
		case reflect.Struct:
			for i := range ty.NumField() {
				check(ty.Field(i).Type, path+"."+ty.Field(i).Name)
			}
		case reflect.Array:
			check(ty.Elem(), path+"[]")
		case reflect.Pointer, reflect.String, reflect.Slice, reflect.Map, reflect.Interface, reflect.Chan,
			reflect.Func, reflect.UnsafePointer:
			t.Errorf("%s is a %s: it must be pointer-free", path, ty.Kind())
		}
	}
	for _, ty := range []reflect.Type{reflect.TypeFor[order](), reflect.TypeFor[tombstone](), reflect.TypeFor[line](),
		reflect.TypeFor[alloc](), reflect.TypeFor[histRec](), reflect.TypeFor[orderLink]()} {
		check(ty, ty.Name())
	}
	// The index's maps: the GC skips their buckets only while key and
	// element hold no pointers.
	byHash := reflect.TypeFor[idemIndex]().Field(0)
	require.Equal(t, "byHash", byHash.Name)
	check(byHash.Type.Key(), "idemIndex.byHash key")
	check(byHash.Type.Elem(), "idemIndex.byHash elem")
}
