package commerce

import "github.com/ordercore/oms/engine/wire"

// CmdKind selects what a Command does.
type CmdKind uint8

// Command is one commerce command.
type Command struct {
	Kind CmdKind
}

// EventKind says what an Event reports.
type EventKind uint8

// Event is one commerce state change.
type Event struct {
	Kind EventKind
}

// Engine is the commerce state machine.
type Engine struct{}

// New returns an empty commerce engine.
func New() *Engine { return &Engine{} }

// Apply applies one command at time now and appends its events.
func (e *Engine) Apply(c *Command, now int64, out []Event) []Event { return out }

// Tick advances time to now: reservations expire.
func (e *Engine) Tick(now int64, out []Event) []Event { return out }

// Snapshot writes the canonical state.
func (e *Engine) Snapshot(w *wire.Writer) {}

// Restore reads a snapshot written by Snapshot.
func (e *Engine) Restore(r *wire.Reader) error { return r.Err() }

// EncodeCommand writes c.
func EncodeCommand(w *wire.Writer, c *Command) { w.Byte(byte(c.Kind)) }

// DecodeCommand reads a command written by EncodeCommand.
func DecodeCommand(r *wire.Reader, c *Command) { c.Kind = CmdKind(r.Byte()) }
