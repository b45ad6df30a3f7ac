package fix

import (
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
	"github.com/ordercore/oms/journal/journaltest"
	"github.com/quickfixgo/tag"
	"github.com/stretchr/testify/require"
)

// The journal write of an order reaches the file but its fsync fails: the
// sequencer fail-stops, and the order's outcome is unknown (recovery
// replays it). The desk must not be told it was rejected: it gets nothing
// then, and after the restart on the same disk the order's acceptance,
// marked PossResend=Y. An order sent after the stop never reached the
// journal and is rejected outright.
func TestFailStopSendsNoRejectForAnUnknownOutcome(t *testing.T) {
	mem := vfs.NewMem()
	fault := &journaltest.WALSyncFault{}
	v := &env{t: t, dir: t.TempDir()}
	v.core = openCoreWith(t, errorfs.Wrap(mem, fault), "journal", resumeOpts())
	seedBook(t, v.core, "DESK1", "DESK2", "DESK2B", "OTHER")
	l, port := listen(t, 0)
	v.port = port
	v.gw = startGateway(t, v.core, gatewaySettings(v.dir, port, "", ""), l)
	v.desk1 = newClient(t, v.dir, "FIX.4.4", "DESK1", port, "")
	v.desk1.waitLogon()
	d := desk{v.desk1, "DESK1", true}
	t.Cleanup(func() {
		v.desk1.stop()
		require.NoError(t, v.gw.Close())
		v.core.close(t)
	})

	fault.On.Store(true)
	d.limit("x1", "1", "10", "100.00")
	require.Eventually(t, func() bool { return v.core.seq.Err() != nil }, wait, time.Millisecond, "no fail-stop")
	d.none(500 * time.Millisecond) // no definite answer: the outcome is unknown
	// Certainly not applied: refused, so that the desk may retry.
	d.limit("x2", "1", "10", "100.00")
	f := expect(t, d.next(), "8", tag.ExecType, "8", tag.OrdStatus, "8", tag.ClOrdID, "x2")
	require.Contains(t, f[tag.Text], "not accepted, retry")

	// Restart on what the disk holds: the write landed, only its fsync failed.
	require.NoError(t, v.gw.Close())
	_ = v.core.seq.Close()
	_ = v.core.j.Close()
	select {
	case <-v.desk1.logout:
	case <-time.After(wait):
		t.Fatal("DESK1 not logged out by the shutdown")
	}
	fault.On.Store(false)
	v.core = openCoreWith(t, mem, "journal", resumeOpts())
	l, _ = listen(t, port)
	v.gw = startGateway(t, v.core, gatewaySettings(v.dir, port, "", ""), l)
	v.desk1.waitLogon()
	f = d.expectNew("x1")
	require.Equal(t, "Y", f[tag.PossResend], "regenerated after the restart")
	d.none(200 * time.Millisecond)
}
