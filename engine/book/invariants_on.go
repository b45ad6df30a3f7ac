//go:build invariants

package book

// checkInvariants verifies the engine's invariants after every command.
func checkInvariants(e *Engine) {
	if err := e.CheckInvariants(); err != nil {
		panic(err)
	}
}
