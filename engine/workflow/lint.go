package workflow

import (
	"fmt"
	"slices"
	"strings"
)

// where says where a value stands, for messages: the owner (a step or a
// test, or the workflow itself when empty) and the key path inside it.
type where struct {
	owner string // `step "billing"`, `test "smoke"`, or ""
	path  string // "retry", "on.webhook.methods", "with.headers"
}

// key returns the place of key k inside w.
func (w where) key(k string) where {
	if w.path == "" {
		return where{w.owner, k}
	}
	return where{w.owner, w.path + "." + k}
}

// index returns the place of the i-th item of the list at w.
func (w where) index(i int) where { return where{w.owner, fmt.Sprintf("%s[%d]", w.path, i)} }

// in formats w for the end of a message: ` in retry of step "billing"`.
func (w where) in() string {
	switch {
	case w.path != "" && w.owner != "":
		return " in " + w.path + " of " + w.owner
	case w.path != "":
		return " in " + w.path
	case w.owner != "":
		return " in " + w.owner
	}
	return ""
}

// label names the value at w at the start of a message.
func (w where) label() string {
	if w.path == "" {
		return "the value"
	}
	return w.path
}

// linter checks values against their declarations: kinds, unknown and
// missing keys, enums, patterns and limits. It reports and never stops.
type linter struct {
	c *collector
}

// value checks n, the value of key k (nil for list items), against f. An
// empty value is an absent one; parents report the missing required keys.
func (l *linter) value(n, k *node, f *field, w where) {
	if n == nil || n.kind == nodeNull {
		return
	}
	if f.templ && n.isExpr() {
		return // checked when it runs
	}
	switch f.kind {
	case kindMap:
		l.mapping(n, k, f, w)
	case kindDict:
		l.dict(n, k, f, w)
	case kindList:
		l.list(n, k, f, w)
	case kindAny:
		if f.goType != nil && !n.hasExpr() {
			l.decodes(n, k, f, w)
		}
	default:
		if !l.scalar(n, k, f, w) {
			return
		}
	}
	if f.check != nil {
		if msg := f.check(n); msg != "" {
			l.c.at(n, k, "%s", msg)
		}
	}
}

// mapping checks a mapping with declared keys.
func (l *linter) mapping(n, k *node, f *field, w where) {
	if n.kind != nodeMap {
		l.c.at(n, k, "%s must be a mapping, not %s", w.label(), describe(n))
		return
	}
	if f.byAction {
		return // checked against the action's params (params.go)
	}
	for i, kn := range n.keys {
		cf := f.child(kn.text)
		if cf == nil && f.extensions && strings.HasPrefix(kn.text, "x-") {
			continue
		}
		if cf == nil {
			l.c.errf(kn.pos, "unknown key %q%s%s", kn.text, w.in(), suffix(kn.text, f.names()))
			continue
		}
		v := n.vals[i]
		if cf.required && (v == nil || v.kind == nodeNull) {
			l.c.errf(kn.pos, "%s must not be empty", w.key(cf.name).label())
			continue
		}
		l.value(v, kn, cf, w.key(cf.name))
	}
	at := n.pos
	if k != nil {
		at = k.pos
	}
	for _, cf := range f.fields {
		if _, have := n.get(cf.name); cf.required && have == nil {
			l.c.errf(at, "missing required key %q%s", cf.name, w.in())
		}
	}
}

// dict checks a mapping whose keys are free.
func (l *linter) dict(n, k *node, f *field, w where) {
	if n.kind != nodeMap {
		l.c.at(n, k, "%s must be a mapping, not %s", w.label(), describe(n))
		return
	}
	for i, kn := range n.keys {
		if f.keyPattern != nil && !f.keyPattern.MatchString(kn.text) {
			l.c.errf(kn.pos, "%s key %q is not valid: %s", w.label(), kn.text, f.keyHelp)
		}
		if f.elem != nil {
			l.value(n.vals[i], kn, f.elem, w.key(kn.text))
		}
	}
}

// list checks a list and each of its items.
func (l *linter) list(n, k *node, f *field, w where) {
	if n.kind != nodeList {
		if f.oneOrList && sameShape(n, f.elem) {
			l.value(n, k, f.elem, w)
			return
		}
		l.c.at(n, k, "%s must be a list, not %s", w.label(), describe(n))
		return
	}
	if f.nonEmpty && len(n.vals) == 0 {
		l.c.at(n, k, "%s must not be empty", w.label())
	}
	for i, item := range n.vals {
		iw := w.index(i)
		if item.kind == nodeNull && f.elem.kind != kindAny {
			l.c.errf(item.pos, "%s must not be empty", iw.label())
			continue
		}
		if f.elem.owner != "" && item.kind == nodeMap {
			iw = where{owner: ownerName(f.elem.owner, item, iw.path)}
		}
		l.value(item, nil, f.elem, iw)
	}
}

// ownerName names a list item that owns keys: `step "billing"`, or the
// item's path when it has no usable id or name.
func ownerName(what string, item *node, path string) string {
	key := "id"
	if what == "test" {
		key = "name"
	}
	if v, _ := item.get(key); v.str() != "" {
		return fmt.Sprintf("%s %q", what, v.str())
	}
	return path
}

// sameShape reports whether n is written as a single item of the kind that
// f declares (a string for a list of strings, a mapping for a list of
// mappings).
func sameShape(n *node, f *field) bool {
	switch f.kind {
	case kindMap, kindDict:
		return n.kind == nodeMap
	case kindString:
		return n.kind == nodeString
	}
	return false
}

// scalar checks a scalar's kind and then its constraints; it reports
// whether the kind was right.
func (l *linter) scalar(n, k *node, f *field, w where) bool {
	if !f.templ && !f.text && f.kind != kindExpr && n.isExpr() {
		l.c.at(n, k, "%s cannot hold an expression: it is read when the file loads", w.label())
		return false
	}
	if want, ok := scalarKindOK(n, f.kind); !ok {
		l.c.at(n, k, "%s must be %s, not %s", w.label(), want, describeValue(n))
		return false
	}
	if msg := constraint(n, f, w); msg != "" {
		l.c.at(n, k, "%s", msg)
	}
	return true
}

// scalarKindOK reports whether n is of kind want, and names want for
// messages.
func scalarKindOK(n *node, want kind) (string, bool) {
	switch want {
	case kindString:
		return "a string", n.kind == nodeString
	case kindBool:
		return "true or false", n.kind == nodeBool
	case kindInt:
		return "an integer", n.kind == nodeInt
	case kindNumber:
		return "a number", n.kind == nodeInt || n.kind == nodeFloat
	case kindExpr:
		return "an expression", n.kind == nodeString || n.kind == nodeBool
	case kindDuration:
		_, err := durationOf(n)
		return "a duration like 30s or 5m", err == nil
	case kindSize:
		_, ok := sizeOf(n)
		return "a size like 1048576, 512KiB or 2MiB", ok
	}
	return "", true
}

// constraint checks emptiness, pattern, enum and limits of a scalar whose
// kind is right, and returns a message or "".
func constraint(n *node, f *field, w where) string {
	switch {
	case f.nonEmpty && n.kind == nodeString && strings.TrimSpace(n.text) == "":
		return w.label() + " must not be empty"
	case f.pattern != nil && !f.pattern.MatchString(n.text):
		return fmt.Sprintf("%s %q is not valid: %s", w.label(), n.text, f.help)
	case f.enum != nil && !inEnum(n, f):
		return enumMessage(n, f, w)
	case f.min != nil && n.kind == nodeInt:
		if v, _ := n.number(); v < float64(*f.min) {
			return fmt.Sprintf("%s must be at least %d", w.label(), *f.min)
		}
	case f.kind == kindDuration:
		if d, _ := durationOf(n); d < 0 {
			return w.label() + " must not be negative"
		} else if f.positive && d == 0 {
			return w.label() + " must be more than 0"
		}
	case f.kind == kindSize && f.positive:
		if s, _ := sizeOf(n); s == 0 {
			return w.label() + " must be more than 0"
		}
	}
	return ""
}

// inEnum reports whether a scalar is one of f's enum values.
func inEnum(n *node, f *field) bool {
	if f.enumFold {
		return slices.ContainsFunc(f.enum, func(e string) bool { return strings.EqualFold(e, n.text) })
	}
	return slices.Contains(f.enum, n.text)
}

func enumMessage(n *node, f *field, w where) string {
	if f.enumWhat != "" {
		return fmt.Sprintf("unknown %s %q%s", f.enumWhat, n.text, suffix(n.text, f.enum))
	}
	return fmt.Sprintf("%s must be one of %s, not %q%s", w.label(), strings.Join(f.enum, ", "), n.text, suffix(n.text, f.enum))
}

// describeValue names a scalar for messages: strings are quoted (and cut
// when long), anything else is named by its kind.
func describeValue(n *node) string {
	if n == nil || n.kind != nodeString {
		return describe(n)
	}
	s := n.text
	if r := []rune(s); len(r) > 40 {
		s = string(r[:40]) + "…"
	}
	return fmt.Sprintf("%q", s)
}
