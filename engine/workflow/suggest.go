package workflow

import closest "github.com/hookflow/hookflow/engine/suggest"

// suggest returns the known word closest to got when it is close enough to
// be a typo, or "" (see suggest.Closest).
func suggest(got string, known []string) string { return closest.Closest(got, known) }
