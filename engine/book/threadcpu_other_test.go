//go:build !linux

package book_test

import "time"

// threadCPU returns -1: the thread's CPU time is not available here.
func threadCPU() time.Duration { return -1 }
