//go:build !race

package expr

// raceEnabled is true under the race detector, whose sync.Pool drops
// items at random, so that allocation counts mean nothing.
const raceEnabled = false
