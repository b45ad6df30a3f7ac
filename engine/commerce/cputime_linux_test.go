package commerce

import "syscall"

// threadCPU returns the CPU time the calling OS thread has used, in ns, and
// whether it is known. On a shared machine it is a steadier measure than the
// wall clock: time the thread spends descheduled does not count.
func threadCPU() (int64, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_THREAD, &ru); err != nil {
		return 0, false
	}
	return ru.Utime.Nano() + ru.Stime.Nano(), true
}
