// Package omsv1 is the generated Go code for the oms.v1 gRPC API, whose
// sources are proto/oms/v1/*.proto. Do not edit the *.pb.go files: change
// the .proto files and run `make proto`.
//
// Usage:
//
//	conn, _ := grpc.NewClient("127.0.0.1:50051", grpc.WithTransportCredentials(insecure.NewCredentials()))
//	c := omsv1.NewTradingServiceClient(conn)
//	res, err := c.NewOrder(ctx, &omsv1.NewOrderRequest{Account: "ACME", Symbol: "XYZ", ...})
//
// Guarantees: the wire format is append-only compatible (fields are never
// renumbered or reused); enum numbers equal the engine's.
package omsv1
