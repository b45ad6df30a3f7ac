//go:build race

package main

// raceEnabled: the race detector keeps shadow memory for the heap and
// resets it for freed memory, so page-fault counts do not show heap reuse.
const raceEnabled = true
