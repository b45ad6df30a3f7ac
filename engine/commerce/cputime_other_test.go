//go:build !linux

package commerce

// threadUsage is unknown outside Linux.
func threadUsage() (cpuNs, faults int64, ok bool) { return 0, 0, false }
