package book

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestKeyArena(t *testing.T) {
	var a keyArena
	var keys []arenaKey
	var want []string
	// Enough keys of every length to cross several chunk boundaries.
	for i := range 10_000 {
		s := fmt.Sprintf("%d-%s", i, strings.Repeat("x", i%(MaxIDLen-6)))
		keys, want = append(keys, a.put(s)), append(want, s)
	}
	require.Greater(t, len(a.chunks), 3)
	for i, k := range keys {
		require.Equal(t, want[i], a.get(k))
	}
	require.Equal(t, "", a.get(a.put("")))
	a.reset()
	require.Len(t, a.chunks, 1, "reset keeps one chunk for reuse")
	k := arenaPut(&a, []byte("again"))
	require.Equal(t, "again", a.get(k))
}

// TestDoneOrderHasNoPointers: the day's finished orders are never scanned
// by the garbage collector only while doneOrder holds no pointers.
func TestDoneOrderHasNoPointers(t *testing.T) {
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
			t.Errorf("%s is a %s: doneOrder must be pointer-free", path, ty.Kind())
		}
	}
	check(reflect.TypeFor[doneOrder](), "doneOrder")
	check(reflect.TypeFor[clEntry](), "clEntry")
}
