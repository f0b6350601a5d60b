// Package suggest finds the known word a typo meant: "did you mean" for
// workflow keys, actions, step ids and expression names alike.
package suggest

import "strings"

// Closest returns the known word closest to got when it is close enough to
// be a typo (an edit distance of 1 for words of up to four letters, 2 for
// longer ones; case is ignored), or "". Ties go to the earlier word.
func Closest(got string, known []string) string {
	if got == "" {
		return ""
	}
	g := strings.ToLower(got)
	limit := 1
	if len([]rune(g)) > 4 {
		limit = 2
	}
	best, bestD := "", limit+1
	for _, k := range known {
		if k == got {
			continue
		}
		d := Distance(g, strings.ToLower(k))
		if d < bestD && d < len([]rune(k)) {
			best, bestD = k, d
		}
	}
	return best
}

// Distance is the optimal string alignment distance between a and b: the
// number of insertions, deletions, substitutions and swaps of neighbours
// that turn a into b.
func Distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
