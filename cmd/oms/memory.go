package main

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"time"

	"github.com/ordercore/oms/bench/prefault"
)

// ByteSize is a size in bytes, written "6GiB", "512MiB", "64KiB" or as a
// plain number of bytes.
type ByteSize int64

// byteUnits are the accepted suffixes (binary units; "B" or none is bytes).
var byteUnits = []struct {
	suffix string
	mult   int64
}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}}

// parseByteSize reads a non-negative size such as "6GiB" or "4096".
func parseByteSize(s string) (ByteSize, error) {
	t := strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range byteUnits {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("want a size such as \"6GiB\", \"512MiB\" or a number of bytes, got %q", s)
	}
	if n > math.MaxInt64/mult {
		return 0, fmt.Errorf("size %q is too large", s)
	}
	return ByteSize(n * mult), nil
}

// String writes the size in the largest unit that divides it.
func (b ByteSize) String() string {
	for _, u := range byteUnits {
		if b != 0 && int64(b)%u.mult == 0 {
			return strconv.FormatInt(int64(b)/u.mult, 10) + u.suffix
		}
	}
	return "0"
}

// UnmarshalJSON reads "6GiB" or a number of bytes.
func (b *ByteSize) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		var n int64
		if err2 := json.Unmarshal(data, &n); err2 != nil || n < 0 {
			return fmt.Errorf("want a size such as \"6GiB\" or a number of bytes")
		}
		*b = ByteSize(n)
		return nil
	}
	v, err := parseByteSize(s)
	if err != nil {
		return err
	}
	*b = v
	return nil
}

// MarshalJSON writes the size as "6GiB".
func (b ByteSize) MarshalJSON() ([]byte, error) { return json.Marshal(b.String()) }

func byteSize(f func(c *Config) *ByteSize) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := parseByteSize(v)
		if err != nil {
			return err
		}
		*f(c) = n
		return nil
	}
}

// defaultGCPercent is the collector's target when neither gc_percent nor
// GOGC says otherwise and no memory_limit is set (see Config.GCPercent).
const defaultGCPercent = 400

// maxPrefaultShare bounds prefault as a share of memory_limit (in percent):
// the rest is the headroom the server allocates into while the prefault
// holds its memory.
const maxPrefaultShare = 90

// applyMemory sets the collector's target and memory limit, from the keys,
// else GOGC and GOMEMLIMIT if they are in the environment (the runtime read
// them), else the defaults: gc_percent 400 and no limit, or, with
// memory_limit set, collection by the limit alone (gc_percent off). With
// prefault set it checks that the collector runs by the limit alone (else
// the prefaulted memory would be handed back); startPrefault starts it.
// REQUIRES: cfg passed validate.
func applyMemory(cfg Config, getenv func(string) string) error {
	if cfg.MemoryLimit > 0 {
		debug.SetMemoryLimit(int64(cfg.MemoryLimit))
	}
	switch {
	case cfg.GCPercent != nil:
		debug.SetGCPercent(*cfg.GCPercent)
	case getenv("GOGC") != "":
		// The runtime read it.
	case cfg.MemoryLimit > 0:
		debug.SetGCPercent(-1)
	default:
		debug.SetGCPercent(defaultGCPercent)
	}
	if cfg.Prefault == 0 {
		return nil
	}
	// The prefaulted memory stays with the process only while the
	// collector runs by the limit alone: a percentage target makes the
	// runtime return free memory above its heap goal to the OS.
	if pct := debug.SetGCPercent(-1); pct >= 0 {
		debug.SetGCPercent(pct)
		return fmt.Errorf("config: prefault: needs the collector to run by memory_limit alone, but GOGC=%q sets a target of %d%% (unset GOGC, or set gc_percent off by leaving it out)", getenv("GOGC"), pct)
	}
	return nil
}

// startPrefault starts the background prefault of cfg.Prefault bytes (see
// prefault.Heap: later allocations reuse those pages rather than pay a
// first-touch fault each, 21-25 µs per 4 KiB page on the development VM,
// which was most of the server's CPU per order while its heap grew; on that
// VM the prefaulted heap came out in transparent huge pages without
// asking, 2 GiB in 2.8 s), no more than the limit has room for next to what the
// process already holds, and returns a channel closed when it is done (nil
// when there is nothing to do). The server calls it once recovery has
// built the state, so that the two never hold the limit's memory between
// them; it warns when the state alone already takes half the limit (the
// collector then runs often, and without a percentage target it has no
// other trigger).
func startPrefault(cfg Config, log *slog.Logger) <-chan struct{} {
	limit := int64(cfg.MemoryLimit)
	if limit <= 0 {
		return nil
	}
	mapped, live := memoryInUse()
	if live > limit/2 {
		log.Warn("memory: the live heap already takes more than half of memory_limit; raise memory_limit",
			"live_heap", ByteSize(live).String(), "memory_limit", cfg.MemoryLimit.String())
	}
	if cfg.Prefault == 0 {
		return nil
	}
	n := prefaultSize(int64(cfg.Prefault), limit, mapped)
	if n < int64(cfg.Prefault) {
		log.Warn("memory: prefault clamped to what memory_limit leaves beside the memory in use",
			"prefault", cfg.Prefault.String(), "clamped_to", ByteSize(n).String(), "in_use", ByteSize(mapped).String(),
			"memory_limit", cfg.MemoryLimit.String())
	}
	if n <= 0 {
		return nil
	}
	ch := make(chan struct{})
	go func() {
		defer close(ch)
		t0 := time.Now()
		prefault.Heap(n, prefaultChunk)
		log.Info("memory: prefaulted the heap", "bytes", ByteSize(n).String(), "took", time.Since(t0).Round(time.Millisecond),
			"memory_limit", cfg.MemoryLimit.String())
	}()
	return ch
}

// prefaultSize is how much of want to prefault under limit when inUse
// bytes are mapped already: at most maxPrefaultShare% of the limit in all,
// so that the runtime (which keeps free memory up to 95% of the limit)
// keeps it and the collector is not driven by the prefault itself. It
// rounds down to whole prefault chunks.
func prefaultSize(want, limit, inUse int64) int64 {
	room := limit/100*maxPrefaultShare - inUse
	n := min(want, room)
	return max(0, n-n%prefaultChunk)
}

// memoryInUse returns the memory the runtime has mapped and not returned
// to the OS, and the live heap after the last collection.
func memoryInUse() (mapped, live int64) {
	s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"},
		{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64() - s[1].Value.Uint64()), int64(s[2].Value.Uint64())
}

// prefaultChunk is the size of each block the prefault allocates.
const prefaultChunk = prefault.Chunk

// minMemoryLimit is the smallest memory_limit accepted: below it the
// collector would run almost continuously.
const minMemoryLimit = 64 << 20
