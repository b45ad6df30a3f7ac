package book

import "github.com/ordercore/oms/engine/wire"

// Engine is the trading state machine.
type Engine struct{}

// New returns an empty trading engine.
func New() *Engine { return &Engine{} }

// Apply applies one command at time now and appends its events to out.
func (e *Engine) Apply(c *Command, now int64, out []Event) []Event { return out }

// Tick advances time to now: GTD orders expire.
func (e *Engine) Tick(now int64, out []Event) []Event { return out }

// Snapshot writes the canonical state.
func (e *Engine) Snapshot(w *wire.Writer) {}

// Restore reads a snapshot written by Snapshot.
func (e *Engine) Restore(r *wire.Reader) error { return r.Err() }
