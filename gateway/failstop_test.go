package gateway

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
	"github.com/ordercore/oms/journal"
	"github.com/ordercore/oms/journal/journaltest"
	"github.com/ordercore/oms/sequencer"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
)

// The placement whose journal write fails at a fail-stop may still be
// applied on recovery: it gets UNKNOWN (no retry policy retries it), telling
// the client to re-send with the same channel_order_id, not UNAVAILABLE
// ("not processed, retry"). A command after the stop was certainly not
// processed: UNAVAILABLE.
func TestFailStopPlacementIsOutcomeUnknown(t *testing.T) {
	fault := &journaltest.WALSyncFault{}
	ts := startTestServer(t, t.TempDir(), serverOpts{journal: journal.Options{FS: errorfs.Wrap(vfs.NewMem(), fault)}})
	t.Cleanup(func() { // before ts.shutdown, which wants a clean Close
		ts.stop = true
		_ = ts.conn.Close()
		ts.gw.Drain()
		ts.srv.GracefulStop()
		_ = ts.seq.Close()
		_ = ts.j.Close()
	})
	setupCommerce(t, ts)
	cc, web := ts.commerce(), ctxAs(t, webTok)

	fault.On.Store(true)
	_, err := cc.PlaceOrder(web, webOrder("w-unknown", line("A", 1)))
	st := requireCode(t, err, codes.Unknown)
	require.Contains(t, st.Message(), "outcome unknown")
	require.Contains(t, st.Message(), "same channel_order_id")
	_, err = cc.PlaceOrder(web, webOrder("w-after", line("A", 1)))
	requireCode(t, err, codes.Unavailable)
}

// The mapping of every sequencer error, pinned.
func TestSeqErrCodes(t *testing.T) {
	failStop := fmt.Errorf("%w: journal write failed at seq 7: %w", sequencer.ErrClosed, errors.New("fsync"))
	unknown := fmt.Errorf("%w: %w", sequencer.ErrOutcomeUnknown, failStop)
	abandoned := fmt.Errorf("%w: %w", sequencer.ErrOutcomeUnknown, context.DeadlineExceeded)
	for _, c := range []struct {
		err  error
		code codes.Code
	}{
		{sequencer.ErrOverloaded, codes.ResourceExhausted},
		{sequencer.ErrClosed, codes.Unavailable},
		{failStop, codes.Unavailable}, // never reached the journal
		{unknown, codes.Unknown},      // may be applied on recovery: not retry-safe
		{abandoned, codes.DeadlineExceeded},
		{fmt.Errorf("%w: %w", sequencer.ErrOutcomeUnknown, context.Canceled), codes.Canceled},
		{errors.New("bug"), codes.Internal},
	} {
		requireCode(t, seqErr(c.err), c.code)
		requireCode(t, placeErr(c.err), c.code)
	}
	require.Contains(t, requireCode(t, seqErr(unknown), codes.Unknown).Message(), "read the state")
	require.Contains(t, requireCode(t, placeErr(unknown), codes.Unknown).Message(), "idempotent")
}
