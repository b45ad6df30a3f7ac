package gateway

import (
	"testing"

	"github.com/ordercore/oms/engine/commerce"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
)

// TestCommerceReasonCodes pins the status codes of the retention reasons
// and a representative of each group.
func TestCommerceReasonCodes(t *testing.T) {
	for r, want := range map[commerce.Reason]codes.Code{
		commerce.ReasonOrderArchived:     codes.NotFound,
		commerce.ReasonUnknownOrder:      codes.NotFound,
		commerce.ReasonInvalidRetention:  codes.InvalidArgument,
		commerce.ReasonInvalidQty:        codes.InvalidArgument,
		commerce.ReasonInsufficientStock: codes.FailedPrecondition,
	} {
		require.Equal(t, want, commerceReasonCode(r), "reason %v", r)
	}
}
