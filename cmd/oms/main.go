// Command oms is the order engine's single binary: `oms <subcommand>
// [flags]`. Each subcommand lives in its own file and is listed in the
// table in subcommands; main only dispatches, handles signals, and maps
// errors to exit codes.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// subcommand is one entry of the dispatch table. run parses its own flags
// from args (with the standard flag package) and returns an error to fail
// the process; flag.ErrHelp means usage was printed.
type subcommand struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// subcommands is the dispatch table: add a line here for a new subcommand
// (its implementation goes in <name>.go).
func subcommands() []subcommand {
	return []subcommand{
		{"replay", "replay a data directory: progress, final digest and counts; verify; export JSON lines", runReplay},
		{"bench", "open-loop latency benchmarks (engine, durable, grpc, fix); compare two runs", runBench},
		{"serve", "run the server: gRPC, metrics, FIX (see -h for the configuration)", runServe},
		{"order", "commerce orders: place, get, list, cancel", runOrder},
		{"trade", "trading orders: new, cancel, get, open", runTrade},
		{"stock", "inventory: set, adjust, avail", runStock},
		{"book", "order book depth", runBook},
		{"tail", "follow order, inventory or market data events", runTail},
		{"status", "server status: last seq and state digest", runStatus},
		{"retention", "commerce retention of closed orders: get, set", runRetention},
		{"load", "open-loop place-order load against a running server, over gRPC", runLoad},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run dispatches args and returns the exit code: 0 ok, 1 failure, 2 usage.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, sc := range subcommands() {
		if sc.name != args[0] {
			continue
		}
		err := sc.run(ctx, args[1:], stdout, stderr)
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			return 2
		}
		fmt.Fprintf(stderr, "oms %s: %v\n", sc.name, err)
		return 1
	}
	fmt.Fprintf(stderr, "oms: unknown subcommand %q\n\n", args[0])
	usage(stderr)
	return 2
}

// errUsage is returned by a subcommand whose flags were wrong; the flag
// package has already printed the problem and the usage.
var errUsage = errors.New("usage")

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: oms <subcommand> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "subcommands:")
	for _, sc := range subcommands() {
		fmt.Fprintf(w, "  %-10s %s\n", sc.name, sc.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run `oms <subcommand> -h` for its flags.")
}

// newFlagSet returns a flag set for a subcommand that reports errors to the
// caller instead of exiting, and prints its usage to stderr.
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("oms "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: oms %s %s\n\nflags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args, mapping flag errors to errUsage (already printed).
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "%s: unexpected arguments: %v\n", fs.Name(), fs.Args())
		fs.Usage()
		return errUsage
	}
	return nil
}
