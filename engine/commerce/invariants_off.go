//go:build !invariants

package commerce

// afterCommand is a no-op without the invariants build tag.
func (e *Engine) afterCommand() {}
