package fix

import (
	"crypto/subtle"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/quickfixgo/quickfix"
	"github.com/quickfixgo/tag"
)

// application is the gateway's QuickFIX callback set. QuickFIX calls it on
// each session's own goroutine, so one session's messages are handled in
// the order received.
type application struct{ g *Gateway }

func (a *application) OnCreate(quickfix.SessionID) {}

func (a *application) OnLogon(id quickfix.SessionID) {
	if s := a.g.sessions[id]; s != nil {
		s.loggedOn.Store(true)
		a.g.log.Info("fix: logon", "session", id.String())
	}
}

// OnLogout runs when a session logs out or its connection drops.
func (a *application) OnLogout(id quickfix.SessionID) {
	s := a.g.sessions[id]
	if s == nil || !s.loggedOn.Swap(false) {
		return
	}
	a.g.log.Info("fix: logout", "session", id.String())
	if s.rules.cancelOnDisconnect && !a.g.stopping.Load() {
		a.g.cancelAll(s, "disconnect")
	}
}

// shutdownText is the Text (58) of the Logout a session gets when the
// gateway closes, so that a desk tells a shutdown from a session problem.
const shutdownText = "server shutting down"

// ToAdmin gives the Logouts of a shutdown their Text. QuickFIX's
// Acceptor.Stop logs every session out with no Text, and calls ToAdmin with
// each Logout before it stores and sends it; one that already has a Text
// (an answer to a protocol error) keeps it.
func (a *application) ToAdmin(m *quickfix.Message, _ quickfix.SessionID) {
	if a.g.loggingOut.Load() && m.IsMsgTypeOf("5") && !m.Body.Has(tag.Text) {
		m.Body.SetString(tag.Text, shutdownText)
	}
}

func (a *application) ToApp(*quickfix.Message, quickfix.SessionID) error { return nil }

// FromAdmin checks the Logon password (554) of sessions that require one.
func (a *application) FromAdmin(m *quickfix.Message, id quickfix.SessionID) quickfix.MessageRejectError {
	s := a.g.sessions[id]
	if s == nil || s.rules.password == "" || !m.IsMsgTypeOf("A") {
		return nil
	}
	pw, _ := m.Body.GetString(tag.Password)
	if subtle.ConstantTimeCompare([]byte(pw), []byte(s.rules.password)) != 1 {
		a.g.log.Warn("fix: logon refused: wrong password", "session", id.String())
		return quickfix.RejectLogon{Text: "logon refused: invalid password"}
	}
	return nil
}

// FromApp dispatches an application message. A message beyond the session's
// rate gets a BusinessMessageReject; a malformed one a session-level Reject
// (returned to QuickFIX); a well-formed one the gateway refuses before the
// engine gets the business answer its request type calls for.
func (a *application) FromApp(m *quickfix.Message, id quickfix.SessionID) quickfix.MessageRejectError {
	g := a.g
	s := g.sessions[id]
	if s == nil {
		return quickfix.UnsupportedMessageType()
	}
	if !s.limit.allow(time.Now()) {
		ref, _ := m.Body.GetString(tag.ClOrdID)
		return quickfix.NewBusinessMessageRejectErrorWithRefID(
			fmt.Sprintf("rate limit exceeded: at most %d messages per second", s.rules.maxPerSecond),
			bizRejOther, ref, nil)
	}
	msgType, err := m.MsgType()
	if err != nil {
		return err
	}
	if t, bad := invalidUTF8(&m.Body); bad {
		return quickfix.IncorrectDataFormatForValue(t)
	}
	switch msgType {
	case "D":
		return g.onNewOrder(s, m)
	case "F":
		return g.onCancel(s, m)
	case "G":
		return g.onReplace(s, m)
	case "H":
		return g.onStatus(s, m)
	case "q":
		return g.onMassCancel(s, m)
	}
	return quickfix.UnsupportedMessageType()
}

// invalidUTF8 finds a body field whose value is not valid UTF-8. Strings
// from FIX (ClOrdID, Symbol, Account...) end up in engine events, which the
// gRPC gateway sends as proto3 strings, which must be UTF-8; such a request
// gets a session-level Reject naming the tag, like any malformed value.
func invalidUTF8(body *quickfix.Body) (quickfix.Tag, bool) {
	for _, t := range body.Tags() {
		if v, err := body.GetBytes(t); err == nil && !utf8.Valid(v) {
			return t, true
		}
	}
	return 0, false
}
