//go:build invariants

package commerce

// afterCommand checks every invariant after each command and panics with
// the broken one.
func (e *Engine) afterCommand() {
	if err := e.CheckInvariants(); err != nil {
		panic("commerce: invariant broken: " + err.Error())
	}
}

// checking says that the engine checks its invariants as it goes.
const checking = true
