//go:build !invariants

package book

// checkInvariants is compiled out without -tags invariants.
func checkInvariants(*Engine) {}
