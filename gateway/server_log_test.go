package gateway

import (
	"bytes"
	"log/slog"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"

	pb "github.com/ordercore/oms/proto/omsv1"
)

// syncBuf is a bytes.Buffer safe for the server's goroutines.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestFailedCallLogsPrincipal: a failed call's log line names the token's
// principal, for streams as for unary calls.
func TestFailedCallLogsPrincipal(t *testing.T) {
	var logs syncBuf
	ts := startTestServer(t, t.TempDir(), serverOpts{log: slog.New(slog.NewTextHandler(&logs, nil))})
	web := ctxAs(t, webTok)

	st, err := ts.streams().SubscribeOrders(web, &pb.SubscribeOrdersRequest{Channel: pb.Channel_CHANNEL_MARKETPLACE})
	require.NoError(t, err)
	_, err = st.Recv()
	requireCode(t, err, codes.PermissionDenied)
	_, err = ts.commerce().PlaceOrder(web, webOrder("w-1", line("NOPE", 1)))
	requireCode(t, err, codes.NotFound)

	require.Eventually(t, func() bool { return bytes.Count([]byte(logs.String()), []byte("call failed")) == 2 }, 5e9, 1e7)
	require.Contains(t, logs.String(), "method=/oms.v1.StreamService/SubscribeOrders code=PermissionDenied principal=web")
	require.Contains(t, logs.String(), "method=/oms.v1.CommerceService/PlaceOrder code=NotFound principal=web")
}
