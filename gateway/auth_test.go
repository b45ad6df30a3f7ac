package gateway

import (
	"testing"

	"github.com/ordercore/oms/engine/commerce"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestNewAuthenticatorValidates(t *testing.T) {
	for _, tc := range []struct {
		tokens []Token
		want   string
	}{
		{[]Token{{Token: "short", Name: "a", Admin: true}}, "tokens[0].token"},
		{[]Token{{Token: "long-enough-token-01", Admin: true}}, "tokens[0].name"},
		{[]Token{{Token: "long-enough-token-01", Name: "a"}}, "exactly one of admin, channel or accounts"},
		{[]Token{{Token: "long-enough-token-01", Name: "a", Admin: true, Channel: "web"}}, "exactly one"},
		{[]Token{{Token: "long-enough-token-01", Name: "a", Channel: "tv"}}, "tokens[0].channel"},
		{[]Token{{Token: "long-enough-token-01", Name: "a", Admin: true}, {Token: "long-enough-token-01", Name: "b", Admin: true}}, "tokens[1].token: duplicate"},
		{[]Token{{Token: "long-enough-token-01", Name: "a", Admin: true}, {Token: "long-enough-token-02", Name: "a", Admin: true}}, "tokens[1].name: duplicate"},
	} {
		_, err := NewAuthenticator(tc.tokens)
		require.ErrorContains(t, err, tc.want)
	}
}

func TestAuthenticate(t *testing.T) {
	a, err := NewAuthenticator([]Token{{Token: "long-enough-token-01", Name: "cc", Channel: "call-centre"},
		{Token: "long-enough-token-02", Name: "desk", Accounts: []string{"B", "A", "B"}}})
	require.NoError(t, err)
	p, err := a.Authenticate(ctxIncoming("long-enough-token-01"))
	require.NoError(t, err)
	require.Equal(t, commerce.CallCentre, p.Channel)
	require.True(t, p.CanChannel(commerce.CallCentre))
	require.False(t, p.CanChannel(commerce.Web))
	require.False(t, p.CanTrade("A"))
	p, err = a.Authenticate(ctxIncoming("long-enough-token-02"))
	require.NoError(t, err)
	require.Equal(t, []string{"A", "B"}, p.Accounts)
	require.True(t, p.CanTrade("B"))
	require.False(t, p.CanChannel(commerce.Web))
	_, err = a.Authenticate(ctxIncoming("nope"))
	require.Equal(t, codes.Unauthenticated, status.Code(err))
}
