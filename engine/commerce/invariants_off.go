//go:build !invariants

package commerce

// afterCommand is a no-op without the invariants build tag.
func (e *Engine) afterCommand() {}

// checking says that the engine checks its invariants as it goes.
const checking = false
