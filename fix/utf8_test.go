package fix

import (
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/quickfixgo/quickfix"
	"github.com/quickfixgo/tag"
	"github.com/stretchr/testify/require"
)

// TestInvalidUTF8IsRejected: a field that is not valid UTF-8 gets a
// session-level Reject naming its tag, and nothing reaches the sequencer
// (engine events carry these strings to gRPC clients, where proto3 strings
// must be UTF-8).
func TestInvalidUTF8IsRejected(t *testing.T) {
	c := openCore(t, vfs.NewMem())
	defer c.close(t)
	seedBook(t, c, "DESK1", "DESK2", "DESK2B")
	s, err := ParseSettings(strings.NewReader(gatewaySettings(t.TempDir(), 1, "", "")))
	require.NoError(t, err)
	g, err := New(c.seq, Config{Settings: s, Logger: quietLogger()})
	require.NoError(t, err)
	defer func() { require.NoError(t, g.Close()) }()
	app := &application{g}
	sess := g.sortedSessions()[0]
	id, account := sess.id, sess.rules.accounts[0]

	order := func(clOrdID, symbol string) *quickfix.Message {
		m := quickfix.NewMessage()
		m.Header.SetString(tag.MsgType, "D")
		for tg, v := range map[quickfix.Tag]string{tag.ClOrdID: clOrdID, tag.Symbol: symbol, tag.Account: account, tag.Side: "1",
			tag.OrderQty: "10", tag.OrdType: "2", tag.Price: "100.05"} {
			m.Body.SetString(tg, v)
		}
		return m
	}
	before := c.seq.Stats().Commands
	for _, tc := range []struct {
		m   *quickfix.Message
		tag quickfix.Tag
	}{{order("ok-\xff", "ACME"), tag.ClOrdID}, {order("ok-1", "AC\xc3ME"), tag.Symbol}} {
		rej := app.FromApp(tc.m, id)
		require.NotNil(t, rej)
		require.Equal(t, quickfix.IncorrectDataFormatForValue(tc.tag).RejectReason(), rej.RejectReason())
		require.NotNil(t, rej.RefTagID())
		require.Equal(t, tc.tag, *rej.RefTagID())
	}
	require.Equal(t, before, c.seq.Stats().Commands, "nothing was submitted")
	require.Nil(t, app.FromApp(order("ok-é", "ACME"), id), "valid UTF-8 beyond ASCII is accepted")
	require.Eventually(t, func() bool { return c.seq.Stats().Commands == before+1 }, 10*time.Second, time.Millisecond,
		"the valid order was submitted")
}
