package sequencer

import (
	"syscall"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
)

// TestTouchFaultsInEveryPage maps fresh anonymous memory (no page resident)
// and checks with mincore(2) that touch made every page resident, for sizes
// that end mid-page, and that the memory still reads as zeros.
func TestTouchFaultsInEveryPage(t *testing.T) {
	for _, n := range []int{1, pageSize - 1, pageSize, pageSize + 1, 37*pageSize + 100} {
		mem, err := syscall.Mmap(-1, 0, 100*pageSize, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
		require.NoError(t, err)
		want := (n + pageSize - 1) / pageSize
		require.Equal(t, 0, resident(t, mem), "fresh anonymous memory has no resident page")
		touch(unsafe.Pointer(&mem[0]), uintptr(n))
		require.Equal(t, want, resident(t, mem), "n=%d: every page of the range and no other", n)
		// A range that starts mid-page, as small chunks do.
		touch(unsafe.Pointer(&mem[50*pageSize+100]), uintptr(n))
		want += (100 + n + pageSize - 1) / pageSize
		require.Equal(t, want, resident(t, mem), "n=%d from mid-page: its pages too", n)
		for i, b := range mem {
			if b != 0 {
				t.Fatalf("n=%d: byte %d is %d after touch, want 0", n, i, b)
			}
		}
		require.NoError(t, syscall.Munmap(mem))
	}
	touch(nil, 0) // an empty chunk: nothing to touch, no fault
}

// resident counts the resident pages of mem (page-aligned, as mmap returns).
func resident(t *testing.T, mem []byte) int {
	vec := make([]byte, (len(mem)+pageSize-1)/pageSize)
	_, _, errno := syscall.Syscall(syscall.SYS_MINCORE, uintptr(unsafe.Pointer(&mem[0])), uintptr(len(mem)), uintptr(unsafe.Pointer(&vec[0])))
	require.Zero(t, errno, "mincore")
	n := 0
	for _, v := range vec {
		n += int(v & 1)
	}
	return n
}
