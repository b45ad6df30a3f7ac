package commerce

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"
)

// tagTwins returns two keys whose hashes on channel ch share their tag,
// and so their home slot in any table: a real collision, found by trying
// keys in turn (a 31-bit tag collides among some 10^5 keys).
func tagTwins(ch Channel) (string, string) {
	seen := map[uint64]string{}
	for i := 0; ; i++ {
		k := fmt.Sprint("k", i)
		tag := tagOf(idemHash(ch, k))
		if other, ok := seen[tag]; ok {
			return other, k
		}
		seen[tag] = k
	}
}

// TestIdemCollision: two keys whose tags collide are told apart through
// placement, lookup, re-submit and removal (which shifts the second back
// into the first's slot).
func TestIdemCollision(t *testing.T) {
	a, b := tagTwins(Web)
	require.NotEqual(t, idemHash(Web, a), idemHash(Web, b), "a whole-hash collision would be a better test still")
	e := New()
	out := e.Apply(&Command{Kind: CmdSetLocation, Location: Location{ID: 1, Kind: Warehouse, Ships: true, Active: true,
		At: Coord{Lat: 48_850_000, Lon: 2_350_000}}}, 0, nil)
	require.Equal(t, EvLocation, out[0].Kind)
	place := func(id string) []Event {
		return e.Apply(&Command{Kind: CmdPlaceOrder, Channel: Web, ChannelOrderID: id, Customer: "c",
			ShipTo: Coord{Lat: 48_850_000, Lon: 2_350_000}, Payment: PaymentAuthorised,
			Lines: []LineInput{{SKU: "S", Qty: 1, UnitPrice: 100, Currency: "EUR"}}}, 0, nil)
	}
	e.Apply(&Command{Kind: CmdSetStock, SKU: "S", Loc: 1, Qty: 10, Version: 1}, 0, nil)
	oa, ob := place(a), place(b)
	require.False(t, oa[0].Duplicate)
	require.False(t, ob[0].Duplicate, "b is a new order, not a duplicate of a")
	require.NotEqual(t, oa[0].Order, ob[0].Order)
	// The same key on another channel is another order.
	out = e.Apply(&Command{Kind: CmdPlaceOrder, Channel: B2B, ChannelOrderID: a, Customer: "c",
		ShipTo: Coord{Lat: 48_850_000, Lon: 2_350_000}, Payment: PaymentAuthorised,
		Lines: []LineInput{{SKU: "S", Qty: 1, UnitPrice: 100, Currency: "EUR"}}}, 0, nil)
	require.False(t, out[0].Duplicate)
	for id, want := range map[string]OrderID{a: oa[0].Order, b: ob[0].Order} {
		got, ok := e.OrderByChannelID(Web, id)
		require.True(t, ok)
		require.Equal(t, want, got, id)
	}
	out = place(b)
	require.True(t, out[0].Duplicate, "a re-submit of b finds b")
	require.Equal(t, ob[0].Order, out[0].Order)
	require.Equal(t, 3, e.idem.len())

	e.idemDelete(Web, a)
	_, ok := e.OrderByChannelID(Web, a)
	require.False(t, ok)
	got, ok := e.OrderByChannelID(Web, b)
	require.True(t, ok, "b is found after a, before it in the run, is removed")
	require.Equal(t, ob[0].Order, got)
	require.Equal(t, 2, e.idem.len())
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
	// The index's table: the GC skips its slots only while they hold no
	// pointers.
	slots := reflect.TypeFor[strIndex]().Field(0)
	require.Equal(t, "slots", slots.Name)
	check(slots.Type.Elem(), "strIndex.slots[]")
	check(reflect.TypeFor[idemSlot](), "idemSlot")
}

// TestCurrencyIntern: a code keeps its index however codes alternate (the
// last-code shortcut never answers for another code), and a full table
// still finds its codes but takes no new one.
func TestCurrencyIntern(t *testing.T) {
	var c currencies
	for _, tc := range []struct {
		code string
		want uint16
	}{{"EUR", 0}, {"EUR", 0}, {"USD", 1}, {"EUR", 0}, {"USD", 1}, {"USD", 1}, {"GBP", 2}, {"EUR", 0}} {
		i, ok := c.intern(tc.code)
		require.True(t, ok)
		require.Equal(t, tc.want, i, tc.code)
		require.Equal(t, tc.code, c.names[i])
	}
	for n := len(c.names); n < 1<<16; n++ {
		_, ok := c.intern(fmt.Sprint("C", n))
		require.True(t, ok)
	}
	require.True(t, c.full())
	_, ok := c.intern("NEW")
	require.False(t, ok, "the table is full")
	for code, want := range map[string]uint16{"USD": 1, "EUR": 0, "C65535": 65535} {
		i, ok := c.intern(code)
		require.True(t, ok)
		require.Equal(t, want, i, code)
	}
}
