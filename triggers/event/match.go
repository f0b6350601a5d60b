// Package event matches published events to the workflows that listen for
// them with on.event.types, and to subscriptions' event globs.
package event

import (
	"github.com/hookflow/hookflow/engine/run"
)

// Match reports whether an event type matches a glob in which * stands for
// any run of characters (dots included): "order.*" matches "order.created"
// and "order.line.added"; "*" matches every type.
func Match(glob, typ string) bool {
	// Greedy matching with one backtrack point (the last star): linear in
	// practice and never exponential, whatever the glob.
	g, t, star, mark := 0, 0, -1, 0
	for t < len(typ) {
		switch {
		case g < len(glob) && glob[g] == '*':
			star, mark = g, t
			g++
		case g < len(glob) && glob[g] == typ[t]:
			g++
			t++
		case star >= 0:
			mark++
			g, t = star+1, mark
		default:
			return false
		}
	}
	for g < len(glob) && glob[g] == '*' {
		g++
	}
	return g == len(glob)
}

// MatchAny reports whether typ matches any of globs.
func MatchAny(globs []string, typ string) bool {
	for _, g := range globs {
		if Match(g, typ) {
			return true
		}
	}
	return false
}

// Targets returns the workflows among ts whose on.event.types match typ.
func Targets(ts []run.Target, typ string) []run.Target {
	var out []run.Target
	for _, t := range ts {
		if ev := t.Workflow.On.Event; ev != nil && MatchAny(ev.Types, typ) {
			out = append(out, t)
		}
	}
	return out
}
