package fix

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/quickfixgo/quickfix"
	"github.com/quickfixgo/tag"
	"github.com/stretchr/testify/require"
)

// rawConn is a hand-driven FIX connection, for what a well-behaved engine
// never sends: garbage, garbled and malformed messages.
type rawConn struct {
	t       testing.TB
	conn    net.Conn
	r       *bufio.Reader
	seq     int
	begin   string
	sender  string
	target  string
	pending []byte
}

func dialRaw(t testing.TB, port int, begin, sender string) *rawConn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), wait)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	return &rawConn{t: t, conn: conn, r: bufio.NewReader(conn), seq: 1, begin: begin, sender: sender, target: "OMS"}
}

// build returns a well-formed message with the next sequence number.
func (c *rawConn) build(msgType string, fields ...any) []byte {
	m := quickfix.NewMessage()
	m.Header.SetString(tag.BeginString, c.begin)
	m.Header.SetString(tag.MsgType, msgType)
	m.Header.SetString(tag.SenderCompID, c.sender)
	m.Header.SetString(tag.TargetCompID, c.target)
	m.Header.SetInt(tag.MsgSeqNum, c.seq)
	m.Header.SetField(tag.SendingTime, quickfix.FIXUTCTimestamp{Time: time.Now()})
	for i := 0; i < len(fields); i += 2 {
		m.Body.SetString(fields[i].(quickfix.Tag), fields[i+1].(string))
	}
	c.seq++
	return m.Bytes()
}

func (c *rawConn) write(b []byte) {
	c.t.Helper()
	require.NoError(c.t, c.conn.SetWriteDeadline(time.Now().Add(wait)))
	_, err := c.conn.Write(b)
	require.NoError(c.t, err)
}

// read returns the next message received, skipping heartbeats and test
// requests.
func (c *rawConn) read() *quickfix.Message {
	c.t.Helper()
	require.NoError(c.t, c.conn.SetReadDeadline(time.Now().Add(wait)))
	for {
		var buf bytes.Buffer
		for {
			b, err := c.r.ReadBytes('\x01')
			require.NoError(c.t, err, "read after %q", buf.String())
			buf.Write(b)
			if bytes.HasPrefix(b, []byte("10=")) {
				break
			}
		}
		m := quickfix.NewMessage()
		require.NoError(c.t, quickfix.ParseMessage(m, &buf))
		if m.IsMsgTypeOf("0") || m.IsMsgTypeOf("1") {
			continue
		}
		return m
	}
}

// closed checks that the acceptor closes the connection.
func (c *rawConn) closed() {
	c.t.Helper()
	require.NoError(c.t, c.conn.SetReadDeadline(time.Now().Add(wait)))
	for {
		if _, err := c.r.ReadByte(); err != nil {
			var ne net.Error
			if ok := asNetErr(err, &ne); ok && ne.Timeout() {
				c.t.Fatalf("connection not closed within %v", wait)
			}
			return
		}
	}
}

func asNetErr(err error, ne *net.Error) bool {
	e, ok := err.(net.Error)
	if ok {
		*ne = e
	}
	return ok
}

func (c *rawConn) logon() {
	c.t.Helper()
	c.write(c.build("A", tag.EncryptMethod, "0", tag.HeartBtInt, "30"))
	expect(c.t, c.read(), "A")
}

func TestGarbageAndMalformedMessages(t *testing.T) {
	v := newServer(t, "", "")
	// Garbage before any logon: the acceptor drops the connection.
	junk := dialRaw(t, v.port, "FIX.4.4", "DESK1")
	junk.write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n8=FIX.4.4\x019=abc\x01"))
	junk.closed()
	// A logon for a session that does not exist: dropped too.
	stranger := dialRaw(t, v.port, "FIX.4.4", "NOBODY")
	stranger.write(stranger.build("A", tag.EncryptMethod, "0", tag.HeartBtInt, "30"))
	stranger.closed()

	c := dialRaw(t, v.port, "FIX.4.4", "DESK1")
	c.logon()
	before := v.core.digest(t)
	// Noise between messages is skipped; a garbled message (wrong
	// BodyLength) is ignored and its sequence number is not consumed.
	c.write([]byte("noise\x01more noise\x01"))
	garbled := c.build("D", tag.ClOrdID, "g", tag.Symbol, testSymbol)
	garbled = regexp.MustCompile("\x019=[0-9]+\x01").ReplaceAll(garbled, []byte("\x019=10\x01"))
	c.write(garbled)
	c.seq--
	// A required tag missing: session-level Reject, reason 1.
	c.write(c.build("D", tag.ClOrdID, "m1", tag.Side, "1", tag.OrderQty, "10", tag.OrdType, "2", tag.Price, "100",
		tag.TransactTime, "20260101-00:00:00"))
	expect(t, c.read(), "3", tag.SessionRejectReason, "1", tag.RefTagID, "55", tag.RefMsgType, "D")
	// A malformed number: Reject, reason 6.
	c.write(c.build("D", tag.ClOrdID, "m2", tag.Symbol, testSymbol, tag.Side, "1", tag.OrderQty, "ten",
		tag.OrdType, "2", tag.Price, "100", tag.TransactTime, "20260101-00:00:00"))
	expect(t, c.read(), "3", tag.SessionRejectReason, "6", tag.RefTagID, "38")
	c.write(c.build("D", tag.ClOrdID, "m3", tag.Symbol, testSymbol, tag.Side, "1", tag.OrderQty, "10",
		tag.OrdType, "2", tag.Price, "1e2", tag.TransactTime, "20260101-00:00:00"))
	expect(t, c.read(), "3", tag.SessionRejectReason, "6", tag.RefTagID, "44")
	// An application message the gateway does not handle: BusinessMessageReject, reason 3.
	c.write(c.build("R", tag.QuoteReqID, "q1"))
	expect(t, c.read(), "j", tag.BusinessRejectReason, "3", tag.RefMsgType, "R")
	// A message type that does not exist at all.
	c.write(c.build("ZZ", tag.Text, "what"))
	expect(t, c.read(), "j", tag.RefMsgType, "ZZ")
	require.Equal(t, before, v.core.digest(t), "nothing malformed reaches the engine")
	// The session still works, with sequence numbers in step.
	c.write(c.build("D", tag.ClOrdID, "ok", tag.Symbol, testSymbol, tag.Side, "1", tag.OrderQty, "10",
		tag.OrdType, "2", tag.Price, "100", tag.TransactTime, "20260101-00:00:00"))
	expect(t, c.read(), "8", tag.ExecType, "0", tag.ClOrdID, "ok")
	// A wrong CompID is a session-level error that ends the session
	// (Reject, then Logout), as the standard requires.
	c.target = "SOMEONE"
	c.write(c.build("D", tag.ClOrdID, "x"))
	expect(t, c.read(), "3", tag.SessionRejectReason, "9")
	expect(t, c.read(), "5")
	c.closed()
	// The session logs on again and carries on where it was.
	c.target = "OMS"
	again := dialRaw(t, v.port, "FIX.4.4", "DESK1")
	again.seq = c.seq - 1 // the refused message did not consume its number
	again.logon()
	again.write(again.build("D", tag.ClOrdID, "ok2", tag.Symbol, testSymbol, tag.Side, "1", tag.OrderQty, "10",
		tag.OrdType, "2", tag.Price, "100", tag.TransactTime, "20260101-00:00:00"))
	m := again.read()
	expect(t, m, "8", tag.ExecType, "0", tag.ClOrdID, "ok2")
	seq, err := m.Header.GetInt(tag.MsgSeqNum)
	require.NoError(t, err)
	require.Greater(t, seq, 8, "server sequence numbers continue: "+strconv.Itoa(seq))
}
