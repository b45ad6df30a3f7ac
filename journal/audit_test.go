package journal

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/engine/commerce"
)

// TestWriteJSONCommerce: every commerce kind has its name, and a zero a
// kind reads as a value is kept.
func TestWriteJSONCommerce(t *testing.T) {
	for k := commerce.CmdSetLocation; k <= commerce.CmdPickedUp; k++ {
		var buf bytes.Buffer
		c := engine.Command{Seq: 7, Kind: engine.KindCommerce, Commerce: commerce.Command{Kind: k, Order: 3}}
		require.NoError(t, WriteJSON(&buf, &c, 1))
		var rec struct {
			Commerce map[string]any `json:"commerce"`
		}
		require.NoError(t, json.Unmarshal(buf.Bytes(), &rec), buf.String())
		require.Equal(t, k.String(), rec.Commerce["kind"])
		require.Equal(t, 3.0, rec.Commerce["order_id"])
		require.NotContains(t, buf.String(), `"Kind"`)
	}
	var buf bytes.Buffer
	c := engine.Command{Kind: engine.KindCommerce, Commerce: commerce.Command{Kind: commerce.CmdSetCustomer, Customer: "acme"}}
	require.NoError(t, WriteJSON(&buf, &c, 1))
	require.Contains(t, buf.String(), `"commerce":{"kind":"set-customer","customer":"acme","b2b_customer":false,"credit_limit":0}`)
}
