package gateway

import (
	"context"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/journal"
	pb "github.com/ordercore/oms/proto/omsv1"
	"github.com/ordercore/oms/sequencer"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
)

// Test tokens.
const (
	adminTok = "admin-token-000000"
	deskTok  = "desk-token-0000000" // accounts A and B
	otherTok = "other-token-000000" // account C
	webTok   = "web-token-00000000" // channel web
	mktTok   = "mkt-token-00000000" // channel marketplace
)

func testTokens() []Token {
	return []Token{
		{Token: adminTok, Name: "admin", Admin: true},
		{Token: deskTok, Name: "desk", Accounts: []string{"A", "B"}},
		{Token: otherTok, Name: "other", Accounts: []string{"C"}},
		{Token: webTok, Name: "web", Channel: "web"},
		{Token: mktTok, Name: "mkt", Channel: "marketplace"},
	}
}

// testServer is a journal, a sequencer and a gateway serving on a real
// loopback socket.
type testServer struct {
	t    *testing.T
	dir  string
	j    *journal.Journal
	seq  *sequencer.Sequencer
	gw   *Gateway
	srv  *grpc.Server
	addr string
	conn *grpc.ClientConn
	stop bool
}

type serverOpts struct {
	seq       sequencer.Options
	buffer    int
	noCatchUp bool // no journal resume for streams: old resume points fail
	journal   journal.Options
	log       *slog.Logger // the gateway's (nil: discarded)
}

func startTestServer(t *testing.T, dir string, o serverOpts) *testServer {
	t.Helper()
	ts := &testServer{t: t, dir: dir}
	quiet := slog.New(slog.DiscardHandler)
	o.journal.Logger = quiet
	j, err := journal.Open(dir, o.journal)
	require.NoError(t, err)
	ts.j = j
	e := engine.New()
	_, err = j.Recover(e, journal.ReplayOptions{})
	require.NoError(t, err)
	o.seq.Logger = quiet
	o.seq.ResumeFromJournal = !o.noCatchUp
	ts.seq, err = sequencer.New(e, j, o.seq)
	require.NoError(t, err)
	ts.seq.Start()
	auth, err := NewAuthenticator(testTokens())
	require.NoError(t, err)
	if o.log == nil {
		o.log = quiet
	}
	ts.gw, err = New(Options{Sequencer: ts.seq, Auth: auth, StreamBuffer: o.buffer, Log: o.log})
	require.NoError(t, err)
	ts.srv = grpc.NewServer(ts.gw.ServerOptions()...)
	ts.gw.Register(ts.srv)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ts.addr = lis.Addr().String()
	go func() { _ = ts.srv.Serve(lis) }()
	ts.conn, err = grpc.NewClient(ts.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	t.Cleanup(ts.shutdown)
	return ts
}

// shutdown stops the server the way oms serve does: drain, stop gRPC,
// snapshot, close the sequencer and the journal. It is idempotent.
func (ts *testServer) shutdown() {
	if ts.stop {
		return
	}
	ts.stop = true
	_ = ts.conn.Close()
	ts.gw.Drain()
	ts.srv.GracefulStop()
	_, _ = ts.seq.Snapshot(context.Background())
	require.NoError(ts.t, ts.seq.Close())
	require.NoError(ts.t, ts.j.Close())
}

func (ts *testServer) trading() pb.TradingServiceClient { return pb.NewTradingServiceClient(ts.conn) }
func (ts *testServer) commerce() pb.CommerceServiceClient {
	return pb.NewCommerceServiceClient(ts.conn)
}
func (ts *testServer) streams() pb.StreamServiceClient { return pb.NewStreamServiceClient(ts.conn) }
func (ts *testServer) admin() pb.AdminServiceClient    { return pb.NewAdminServiceClient(ts.conn) }

// ctxAs returns a context with a deadline carrying the bearer token.
func ctxAs(t *testing.T, token string) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	if token == "" {
		return ctx
	}
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// ctxIncoming is a server-side context carrying a bearer token.
func ctxIncoming(token string) context.Context {
	return metadata.NewIncomingContext(context.Background(), metadata.Pairs("authorization", "Bearer "+token))
}

// nextSeq is the seq the next command will get. A test that subscribes and
// then submits passes it as from_seq: a live-only ("from now") stream
// opens on the server asynchronously and could miss what follows.
func (ts *testServer) nextSeq() uint64 {
	ts.t.Helper()
	var last uint64
	require.NoError(ts.t, ts.seq.Query(context.Background(), func(e *engine.Engine) { last = e.LastSeq() }))
	return last + 1
}
