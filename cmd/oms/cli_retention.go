package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	pb "github.com/ordercore/oms/proto/omsv1"
)

func runRetention(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runVerbs(ctx, "retention", []verb{
		{"get", "", "the commerce retention rules in force (admin)", retentionGet},
		{"set", "--archive-after D|never --dedup-window D", "change them (admin); 0 means the default", retentionSet},
	}, args, stdout, stderr)
}

func retentionGet(*flag.FlagSet) func(context.Context, *client) error {
	return func(ctx context.Context, c *client) error {
		cctx, cancel := c.call(ctx)
		defer cancel()
		r, err := pb.NewCommerceServiceClient(c.conn).GetRetention(cctx, &pb.GetRetentionRequest{})
		if err != nil {
			return callErr(err)
		}
		return c.showRetention(r, 0)
	}
}

func retentionSet(fs *flag.FlagSet) func(context.Context, *client) error {
	var archive string
	var dedup time.Duration
	fs.StringVar(&archive, "archive-after", "0", `how long a closed order stays in memory (a Go duration such as 168h; "never"; 0 is the default, 7 days)`)
	fs.DurationVar(&dedup, "dedup-window", 0, "how long an archived order's idempotency key is kept (0 is the default, 30 days)")
	return func(ctx context.Context, c *client) error {
		after := time.Duration(-1)
		if archive != "never" {
			d, err := time.ParseDuration(archive)
			if err != nil || d < 0 {
				return fmt.Errorf(`--archive-after %q: want a duration of 0 or more (such as 168h) or "never"`, archive)
			}
			after = d
		}
		cctx, cancel := c.call(ctx)
		defer cancel()
		res, err := pb.NewCommerceServiceClient(c.conn).SetRetention(cctx, &pb.SetRetentionRequest{
			Retention: &pb.Retention{ArchiveAfterNanos: int64(after), DedupWindowNanos: int64(dedup)}})
		if err != nil {
			return callErr(err)
		}
		for _, e := range res.GetEvents() {
			if r := e.GetRetention(); r != nil {
				if c.json {
					return c.printJSON(res)
				}
				return c.showRetention(r, res.GetSeq())
			}
		}
		return c.printJSON(res)
	}
}

func (c *client) showRetention(r *pb.Retention, seq uint64) error {
	show := func(ns int64, def string) string {
		switch {
		case ns < 0:
			return "never"
		case ns == 0:
			return def + " (default)"
		}
		return time.Duration(ns).String()
	}
	return c.show(r, []string{"SEQ", "ARCHIVE_AFTER", "DEDUP_WINDOW"}, func() [][]string {
		return [][]string{{utoa(seq), show(r.GetArchiveAfterNanos(), "168h0m0s"), show(r.GetDedupWindowNanos(), "720h0m0s")}}
	})
}
