package bench

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
)

// DescribeMachine reads the CPU model and memory from /proc (Linux); on
// other systems those fields stay empty.
func DescribeMachine() Machine {
	m := Machine{Cores: runtime.NumCPU(), OS: runtime.GOOS, Arch: runtime.GOARCH}
	m.Hostname, _ = os.Hostname()
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		m.CPU = procField(f, "model name")
		_ = f.Close()
	}
	if f, err := os.Open("/proc/meminfo"); err == nil {
		m.MemoryBytes = parseMemTotal(procField(f, "MemTotal"))
		_ = f.Close()
	}
	return m
}

// procField returns the value of the first "key : value" line.
func procField(f *os.File, key string) string {
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// parseMemTotal parses "24589364 kB".
func parseMemTotal(v string) int64 {
	f := strings.Fields(v)
	if len(f) == 0 {
		return 0
	}
	n, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil {
		return 0
	}
	if len(f) > 1 && strings.EqualFold(f[1], "kB") {
		n *= 1024
	}
	return n
}

// Commit returns the VCS revision the binary was built from (go build
// stamps it unless -buildvcs=false), or else what `git rev-parse HEAD` says
// in the working directory at run time; "unknown" if neither works. source
// says which: "build" or "git".
func Commit() (rev string, modified bool, source string) {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	if rev != "" {
		return rev, modified, "build"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "git", "rev-parse", "HEAD").Output()
	if err != nil {
		return "unknown", false, ""
	}
	st, err := exec.CommandContext(ctx, "git", "status", "--porcelain", "--untracked-files=no").Output()
	return string(bytes.TrimSpace(out)), err == nil && len(bytes.TrimSpace(st)) > 0, "git"
}
