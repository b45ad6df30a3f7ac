package gateway

import (
	"bytes"
	"html"
	"net/http/httptest"
	"strings"
	"testing"

	pb "github.com/ordercore/oms/proto/omsv1"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/trace"
	"google.golang.org/grpc"
)

// TestEntryRepliesUnderTracing: with grpc.EnableTracing (x/net/trace), a
// server stream's SendMsg keeps the sent message and formats it only when
// /debug/requests is rendered, so entry streams must not reuse a reply's
// storage then: each traced "sent:" event shows its own reply.
func TestEntryRepliesUnderTracing(t *testing.T) {
	old := grpc.EnableTracing
	grpc.EnableTracing = true
	t.Cleanup(func() { grpc.EnableTracing = old })
	ts := startTestServer(t, t.TempDir(), serverOpts{})
	setupCommerce(t, ts)
	st, err := pb.NewOrderEntryServiceClient(ts.conn).Entry(ctxAs(t, webTok))
	require.NoError(t, err)
	for i, id := range []string{"t-1", "t-2"} {
		require.NoError(t, st.Send(&pb.EntryRequest{RequestId: uint64(i + 1), Command: &pb.EntryRequest_PlaceOrder{
			PlaceOrder: webOrder(id, line("A", 1))}}))
		r, err := st.Recv()
		require.NoError(t, err)
		require.Nil(t, r.GetError())
	}
	var page bytes.Buffer
	trace.Render(&page, httptest.NewRequest("GET", "/debug/requests?fam=grpc.Recv.oms.v1.OrderEntryService&b=-1&exp=1", nil), true)
	text := html.UnescapeString(page.String())
	var sent []string
	for _, part := range strings.Split(text, "sent: ")[1:] {
		if i := strings.Index(part, "<"); i >= 0 {
			part = part[:i]
		}
		sent = append(sent, part)
	}
	require.Len(t, sent, 2, "two replies traced")
	require.Contains(t, sent[0]+sent[1], "request_id:1 ", "the first reply as traced:\n%s\n%s", sent[0], sent[1])
}
