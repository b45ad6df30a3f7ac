package commerce

import "syscall"

// threadUsage returns the CPU time the calling OS thread has used, in ns,
// and the page faults it has taken (minor ones: a first touch of a page),
// and whether they are known. On a shared machine the CPU time is a
// steadier measure than the wall clock: time the thread spends descheduled
// does not count.
func threadUsage() (cpuNs, faults int64, ok bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_THREAD, &ru); err != nil {
		return 0, 0, false
	}
	return ru.Utime.Nano() + ru.Stime.Nano(), ru.Minflt, true
}
