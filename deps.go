//go:build tools

// Package tools pins dependencies that packages under construction will use,
// so that parallel work does not fight over go.mod. Removed once every
// dependency is imported for real.
package tools

import (
	_ "github.com/HdrHistogram/hdrhistogram-go"
	_ "github.com/cockroachdb/datadriven"
	_ "github.com/cockroachdb/pebble/v2"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/quickfixgo/enum"
	_ "github.com/quickfixgo/field"
	_ "github.com/quickfixgo/fix42"
	_ "github.com/quickfixgo/fix44"
	_ "github.com/quickfixgo/quickfix"
	_ "github.com/quickfixgo/tag"
	_ "github.com/stretchr/testify/require"
	_ "github.com/tidwall/btree"
	_ "google.golang.org/grpc"
	_ "google.golang.org/protobuf/proto"
)
