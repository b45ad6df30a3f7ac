package gateway

import (
	"context"
	"crypto/sha256"
	"fmt"
	"slices"
	"strings"

	"github.com/ordercore/oms/engine/commerce"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// Token grants one bearer token its rights. Exactly one of Admin, Channel or
// Accounts says what the holder is; an administrator may do everything.
type Token struct {
	// Token is the secret the client sends as "authorization: Bearer <token>".
	Token string `json:"token"`
	// Name identifies the holder in logs; it is never the secret.
	Name string `json:"name"`
	// Admin grants every call, including administration.
	Admin bool `json:"admin,omitempty"`
	// Channel is the commerce sales channel the holder acts for: it places
	// orders for this channel and sees only this channel's orders.
	Channel string `json:"channel,omitempty"`
	// Accounts are the trading accounts the holder may trade and query.
	Accounts []string `json:"accounts,omitempty"`
}

// Principal is the authenticated caller of one request.
type Principal struct {
	Name     string
	Admin    bool
	Channel  commerce.Channel // zero: not a channel
	Accounts []string         // sorted
}

// CanTrade reports whether p may act for the trading account acct.
func (p *Principal) CanTrade(acct string) bool {
	if p.Admin {
		return true
	}
	_, ok := slices.BinarySearch(p.Accounts, acct)
	return ok
}

// CanChannel reports whether p may act for the commerce channel ch.
func (p *Principal) CanChannel(ch commerce.Channel) bool {
	return p.Admin || (p.Channel != 0 && p.Channel == ch)
}

// Authenticator maps bearer tokens to principals. It keeps only hashes of
// the tokens so that a heap dump does not leak them and lookups do not
// compare secrets byte by byte.
type Authenticator struct {
	byHash map[[sha256.Size]byte]*Principal
}

// NewAuthenticator validates the tokens: each has a secret of at least 16
// bytes, a name, and exactly one role; secrets and names are unique.
func NewAuthenticator(tokens []Token) (*Authenticator, error) {
	a := &Authenticator{byHash: make(map[[sha256.Size]byte]*Principal, len(tokens))}
	names := map[string]bool{}
	for i, t := range tokens {
		key := fmt.Sprintf("tokens[%d]", i)
		if len(t.Token) < 16 {
			return nil, fmt.Errorf("gateway: %s.token: must be at least 16 characters", key)
		}
		if t.Name == "" {
			return nil, fmt.Errorf("gateway: %s.name: required", key)
		}
		if names[t.Name] {
			return nil, fmt.Errorf("gateway: %s.name: duplicate name %q", key, t.Name)
		}
		names[t.Name] = true
		roles := 0
		for _, set := range []bool{t.Admin, t.Channel != "", len(t.Accounts) > 0} {
			if set {
				roles++
			}
		}
		if roles != 1 {
			return nil, fmt.Errorf("gateway: %s: set exactly one of admin, channel or accounts", key)
		}
		var ch commerce.Channel
		if t.Channel != "" {
			var ok bool
			if ch, ok = parseChannel(t.Channel); !ok {
				return nil, fmt.Errorf("gateway: %s.channel: unknown channel %q (web, marketplace, store, callcentre, b2b)", key, t.Channel)
			}
		}
		h := sha256.Sum256([]byte(t.Token))
		if _, dup := a.byHash[h]; dup {
			return nil, fmt.Errorf("gateway: %s.token: duplicate token", key)
		}
		accts := slices.Clone(t.Accounts)
		slices.Sort(accts)
		a.byHash[h] = &Principal{Name: t.Name, Admin: t.Admin, Channel: ch, Accounts: slices.Compact(accts)}
	}
	return a, nil
}

// Authenticate returns the principal for the bearer token in ctx's incoming
// metadata, or an Unauthenticated status.
func (a *Authenticator) Authenticate(ctx context.Context) (*Principal, error) {
	// ValueFromIncomingContext, unlike FromIncomingContext, does not copy
	// the whole metadata map on every call.
	vals := metadata.ValueFromIncomingContext(ctx, "authorization")
	if len(vals) == 0 {
		return nil, status.Error(codes.Unauthenticated, "missing authorization metadata: send \"authorization: Bearer <token>\"")
	}
	tok, ok := strings.CutPrefix(vals[0], "Bearer ")
	if !ok {
		tok, ok = strings.CutPrefix(vals[0], "bearer ")
	}
	if !ok || tok == "" {
		return nil, status.Error(codes.Unauthenticated, "authorization metadata must be \"Bearer <token>\"")
	}
	p := a.byHash[sha256.Sum256([]byte(tok))]
	if p == nil {
		return nil, status.Error(codes.Unauthenticated, "unknown token")
	}
	return p, nil
}

type principalKey struct{}

func withPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// principal returns the caller that the auth interceptor put in ctx.
func principal(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	if p == nil {
		// The interceptor always sets one; a missing one means a handler
		// was reached without it, which must deny rather than allow.
		return &Principal{Name: "anonymous"}
	}
	return p
}

func requireAdmin(ctx context.Context) error {
	if !principal(ctx).Admin {
		return status.Error(codes.PermissionDenied, "this call needs an administrator token")
	}
	return nil
}

func requireAccount(ctx context.Context, acct string) error {
	if !principal(ctx).CanTrade(acct) {
		return status.Errorf(codes.PermissionDenied, "token may not act for account %q", acct)
	}
	return nil
}
