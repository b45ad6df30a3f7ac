//go:build invariants

package commerce

// afterCommand checks every invariant after each command and panics with
// the broken one.
func (e *Engine) afterCommand() {
	if err := e.CheckInvariants(); err != nil {
		panic("commerce: invariant broken: " + err.Error())
	}
}
