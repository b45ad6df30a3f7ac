package main

import (
	"bufio"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/journal"
)

// replayFlags are the flags of `oms replay`.
type replayFlags struct {
	dir        string
	until      uint64
	verify     string
	export     string
	noSnapshot bool
	anyRules   bool
	every      uint64
}

// runReplay implements `oms replay`: it opens a data directory read-only,
// rebuilds the engine (latest snapshot + replay, or from seq 1 with
// --no-snapshot), reports progress and the final digest and counts, and can
// verify the digest and export the journal as JSON lines.
func runReplay(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f replayFlags
	fs := newFlagSet("replay", "--dir DIR [--until SEQ] [--verify-digest HEX] [--export-jsonl FILE|-] [--no-snapshot] [--any-rules]", stderr)
	fs.StringVar(&f.dir, "dir", "", "the journal directory, or a data directory holding journal/ (required)")
	fs.Uint64Var(&f.until, "until", 0, "stop after this seq (0: replay everything)")
	fs.StringVar(&f.verify, "verify-digest", "", "fail unless the final state has this digest (64 hex digits)")
	fs.StringVar(&f.export, "export-jsonl", "", "write every stored command (through --until) as JSON lines to FILE, or - for stdout")
	fs.BoolVar(&f.noSnapshot, "no-snapshot", false, "ignore snapshots and replay from seq 1")
	fs.BoolVar(&f.anyRules, "any-rules", false, "replay commands journaled under other engine rules with this build's (see engine.RulesVersion), and count them")
	fs.Uint64Var(&f.every, "progress-every", 1_000_000, "report progress every this many commands")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	want, err := f.validate()
	if err != nil {
		fmt.Fprintf(stderr, "oms replay: %v\n", err)
		fs.Usage()
		return errUsage
	}
	// With JSON on stdout, the report goes to stderr.
	report := stdout
	if f.export == "-" {
		report = stderr
	}
	// oms serve keeps the journal in <data-dir>/journal: accept either.
	if st, err := os.Stat(filepath.Join(f.dir, "journal")); err == nil && st.IsDir() {
		f.dir = filepath.Join(f.dir, "journal")
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	j, err := journal.Open(f.dir, journal.Options{ReadOnly: true, Logger: log})
	if err != nil {
		return err
	}
	defer func() { _ = j.Close() }()
	fmt.Fprintf(report, "journal %s: commands %d..%d, last seq %d; this build applies engine rules %d\n",
		f.dir, j.FirstSeq(), lastCommand(j), j.LastSeq(), j.Rules())
	if f.export != "" {
		if err := exportJSONL(ctx, j, f, stdout, report); err != nil {
			return err
		}
	}
	return replayAndReport(ctx, j, f, want, report)
}

func (f *replayFlags) validate() (*engine.Digest, error) {
	if f.dir == "" {
		return nil, errors.New("flag --dir is required")
	}
	if f.every == 0 {
		return nil, errors.New("flag --progress-every must be at least 1")
	}
	if f.verify == "" {
		return nil, nil
	}
	b, err := hex.DecodeString(f.verify)
	var d engine.Digest
	if err != nil || len(b) != len(d) {
		return nil, fmt.Errorf("flag --verify-digest %q: want %d hex digits", f.verify, 2*len(d))
	}
	copy(d[:], b)
	return &d, nil
}

func lastCommand(j *journal.Journal) uint64 {
	if j.FirstSeq() == 0 {
		return 0
	}
	return j.LastSeq()
}

// replayAndReport rebuilds the engine and prints the outcome.
func replayAndReport(ctx context.Context, j *journal.Journal, f replayFlags, want *engine.Digest, w io.Writer) error {
	target := j.LastSeq()
	if f.until != 0 && f.until < target {
		target = f.until
	}
	e := engine.New()
	start := time.Now()
	st, err := j.Recover(e, journal.ReplayOptions{
		Until:         f.until,
		NoSnapshot:    f.noSnapshot,
		AnyRules:      f.anyRules,
		ProgressEvery: f.every,
		OnCommand:     func(*engine.Command) error { return ctx.Err() },
		Progress: func(seq uint64) {
			el := time.Since(start)
			fmt.Fprintf(w, "  seq %d / %d (%.1f%%) %s\n", seq, target, 100*float64(seq)/float64(max(target, 1)), el.Round(time.Millisecond))
		},
	})
	if err != nil {
		return err
	}
	d := e.Digest()
	rate := float64(st.Replayed) / max(st.ReplayTime.Seconds(), 1e-9)
	if st.SnapshotSeq != 0 {
		fmt.Fprintf(w, "snapshot:  seq %d (restored in %s)\n", st.SnapshotSeq, st.SnapshotTime.Round(time.Microsecond))
	} else {
		fmt.Fprintln(w, "snapshot:  none (replayed from seq 1)")
	}
	fmt.Fprintf(w, "replayed:  %d commands in %s (%.0f commands/s)\n", st.Replayed, st.ReplayTime.Round(time.Microsecond), rate)
	fmt.Fprintf(w, "last seq:  %d\n", st.LastSeq)
	if st.OtherRules != 0 {
		fmt.Fprintf(w, "rules:     %d replayed commands, from seq %d, were journaled under other engine rules and replayed with rules %d\n",
			st.OtherRules, st.FirstOtherRules, j.Rules())
	}
	bs := e.Book().Stats()
	fmt.Fprintf(w, "trading:   %d instruments, %d accounts, %d live orders, %d pending stops, %d price levels\n",
		len(e.Book().Instruments()), len(e.Book().Accounts()), bs.LiveOrders, bs.PendingStops, bs.Levels)
	cc, as := e.Commerce().Counts(), e.Commerce().ArchiveStats()
	fmt.Fprintf(w, "commerce:  %d locations, %d SKUs, %d orders in memory (%d open), %d archived, %d backordered lines, %d active reservations\n",
		cc.Locations, cc.SKUs, as.Live, as.Live-as.Closed, as.Archived, cc.Backorders, cc.Reservations)
	fmt.Fprintf(w, "digest:    %s\n", d)
	if want != nil {
		if d != *want {
			return fmt.Errorf("digest mismatch at seq %d: got %s, want %s", st.LastSeq, d, *want)
		}
		fmt.Fprintln(w, "verify:    ok")
	}
	return nil
}

// exportJSONL writes every stored command through --until as JSON lines.
func exportJSONL(ctx context.Context, j *journal.Journal, f replayFlags, stdout, report io.Writer) (err error) {
	out := stdout
	if f.export != "-" {
		file, err := os.Create(f.export)
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		defer func() {
			if cerr := file.Close(); err == nil && cerr != nil {
				err = fmt.Errorf("export: %w", cerr)
			}
		}()
		out = file
	}
	bw := bufio.NewWriterSize(out, 1<<20)
	var n uint64
	err = j.ScanRecords(0, f.until, func(c *engine.Command, rules uint32) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		n++
		return journal.WriteJSON(bw, c, rules)
	})
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	fmt.Fprintf(report, "exported:  %d commands as JSON lines to %s\n", n, f.export)
	return nil
}
