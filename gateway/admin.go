package gateway

import (
	"context"

	"github.com/ordercore/oms/engine"
	pb "github.com/ordercore/oms/proto/omsv1"
)

type adminServer struct {
	pb.UnimplementedAdminServiceServer
	g *Gateway
}

func (s *adminServer) GetStatus(ctx context.Context, _ *pb.GetStatusRequest) (*pb.GetStatusResponse, error) {
	if err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	out := &pb.GetStatusResponse{Version: s.g.version}
	if err := s.g.query(ctx, func(e *engine.Engine) {
		out.LastSeq, out.EngineTimeUnixNano = e.LastSeq(), e.Now()
		out.Digest = e.Digest().String()
	}); err != nil {
		return nil, err
	}
	return out, nil
}

func (s *adminServer) Snapshot(ctx context.Context, _ *pb.SnapshotRequest) (*pb.SnapshotResponse, error) {
	if err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	seq, err := s.g.seq.Snapshot(ctx)
	if err != nil {
		return nil, seqErr(err)
	}
	return &pb.SnapshotResponse{Seq: seq}, nil
}

func (s *adminServer) WhoAmI(ctx context.Context, _ *pb.WhoAmIRequest) (*pb.WhoAmIResponse, error) {
	p := principal(ctx)
	out := &pb.WhoAmIResponse{Principal: p.Name, Admin: p.Admin, Accounts: p.Accounts}
	if p.Channel != 0 {
		out.Channel = p.Channel.String()
	}
	return out, nil
}
