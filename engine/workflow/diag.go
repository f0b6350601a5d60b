package workflow

import (
	"cmp"
	"fmt"
	"slices"
)

// collector gathers the diagnostics of one file; like caddy's dispenser, its
// errf formats a message at a position.
type collector struct {
	file string
	list Diagnostics
}

// errf records a problem at p.
func (c *collector) errf(p Pos, format string, args ...any) {
	c.list = append(c.list, Diagnostic{File: c.file, Pos: clampPos(p), Message: fmt.Sprintf(format, args...)})
}

// at records a problem at node n, or at the key k when n is empty.
func (c *collector) at(n, k *node, format string, args ...any) {
	c.errf(nodePos(n, k), format, args...)
}

// nodePos is where a message about value n points: the value itself, or its
// key when the value is empty (an implicit null has no place of its own).
func nodePos(n, k *node) Pos {
	if (n == nil || n.kind == nodeNull) && k != nil {
		return k.pos
	}
	if n == nil {
		return Pos{1, 1}
	}
	return n.pos
}

// sorted returns the diagnostics sorted by file, line, column and message,
// without repeats.
func (c *collector) sorted() Diagnostics {
	return sortDiagnostics(c.list)
}

// sortDiagnostics sorts ds in place by position and drops exact repeats.
func sortDiagnostics(ds Diagnostics) Diagnostics {
	slices.SortStableFunc(ds, func(a, b Diagnostic) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Col, b.Col), cmp.Compare(a.Message, b.Message))
	})
	return slices.Compact(ds)
}

// suffix formats a did-you-mean hint for message ends: `; did you mean "x"?`
// or "" when nothing is close.
func suffix(got string, known []string) string {
	if s := suggest(got, known); s != "" {
		return fmt.Sprintf("; did you mean %q?", s)
	}
	return ""
}
