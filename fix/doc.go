// Package fix is the FIX gateway for trading desks.
package fix
