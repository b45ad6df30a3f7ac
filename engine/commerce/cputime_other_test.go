//go:build !linux

package commerce

// threadCPU is unknown outside Linux.
func threadCPU() (int64, bool) { return 0, false }
