package gateway

import (
	"fmt"
	"testing"
	"time"

	pb "github.com/ordercore/oms/proto/omsv1"
	"github.com/stretchr/testify/require"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
)

// A live stream (from_seq 0) that has received nothing yet, ended by a
// drain, is told to resume from the seq its subscription started at, not
// from_seq=0 ("whatever comes next"), which would skip every command
// committed between the drain and the reconnect.
func TestLiveStreamDrainResumesFromItsFirstSeq(t *testing.T) {
	ts := startTestServer(t, t.TempDir(), serverOpts{})
	setupTrading(t, ts)
	want := ts.nextSeq()
	subs := ts.seq.Stats().Subscribers
	st, err := ts.streams().SubscribeOrders(ctxAs(t, adminTok), &pb.SubscribeOrdersRequest{})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return ts.seq.Stats().Subscribers > subs }, 10*time.Second, time.Millisecond,
		"the server never subscribed")
	ts.gw.Drain()
	_, err = st.Recv()
	s := requireCode(t, err, codes.Unavailable)
	from := "missing"
	for _, d := range s.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			from = info.GetMetadata()["from_seq"]
		}
	}
	require.Equal(t, fmt.Sprint(want), from, "resume point of a stream that saw nothing yet (%s)", s.Message())
	require.Contains(t, s.Message(), fmt.Sprintf("from_seq=%d", want))
}
