package fix

import (
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/quickfixgo/quickfix"
	"github.com/quickfixgo/tag"
	"github.com/stretchr/testify/require"
)

// FuzzFromApp feeds arbitrary application messages straight to the
// gateway's FromApp, on both versions: whatever arrives, it must answer
// (a reject, a refusal or a submission) without panicking.
func FuzzFromApp(f *testing.F) {
	c := openCore(f, vfs.NewMem())
	f.Cleanup(func() { c.close(f) })
	seedBook(f, c, "DESK1", "DESK2", "DESK2B")
	s, err := ParseSettings(strings.NewReader(gatewaySettings(f.TempDir(), 1, "MaxMessagesPerSecond=1000000000",
		"MaxMessagesPerSecond=1000000000")))
	require.NoError(f, err)
	g, err := New(c.seq, Config{Settings: s, Logger: quietLogger()})
	require.NoError(f, err)
	f.Cleanup(func() { require.NoError(f, g.Close()) })
	app := &application{g}
	ids := g.sortedSessions()

	for _, seed := range []string{
		"D|11=a|55=ACME|54=1|38=10|40=2|44=100.05",
		"D|11=b|55=ACME|54=2|38=10|40=3|99=99.95|59=6|126=20300101-00:00:00",
		"D|11=c|1=DESK2B|55=ACME|54=1|38=1e3|40=2|44=-1",
		"F|11=d|41=a|37=1",
		"G|11=e|41=a|55=ACME|38=20|44=100.10|99=x",
		"H|11=a|37=18446744073709551616",
		"q|11=f|530=1|55=ACME",
		"q|11=g|530=",
		"Z|58=?",
	} {
		f.Add(seed, false)
		f.Add(seed, true)
	}
	f.Fuzz(func(t *testing.T, spec string, v42 bool) {
		parts := strings.Split(spec, "|")
		m := quickfix.NewMessage()
		m.Header.SetString(tag.MsgType, parts[0])
		for _, p := range parts[1:] {
			k, val, ok := strings.Cut(p, "=")
			n, err := strconv.Atoi(k)
			if !ok || err != nil || n <= 0 {
				continue
			}
			m.Body.SetString(quickfix.Tag(n), val)
		}
		for _, s := range ids {
			if (s.v == fix42) == v42 {
				_ = app.FromApp(m, s.id)
			}
		}
	})
}
