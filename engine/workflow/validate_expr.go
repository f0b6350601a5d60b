package workflow

import (
	"errors"
	"strings"

	"github.com/hookflow/hookflow/engine/expr"
)

// ref is a read of steps.ID at a place in the file.
type ref struct {
	id  string
	pos Pos
}

// compileWhole compiles a value written as one expression (if:,
// on.webhook.dedupe). A `${{ … }}` around it is accepted and dropped, as
// GitHub Actions users write it. true and false stand for themselves.
func (b *builder) compileWhole(n *node, opt expr.Options) (*expr.Program, []ref) {
	src, off := n.text, 0
	if n.kind == nodeBool {
		src = "false"
		if n.value == true {
			src = "true"
		}
	} else if inner, at, ok := unwrapTemplate(src); ok {
		src, off = inner, at
	}
	if strings.TrimSpace(src) == "" {
		b.c.at(n, nil, "the expression is empty")
		return nil, nil
	}
	p, err := expr.Compile(src, opt)
	if err != nil {
		var e *expr.Error
		if errors.As(err, &e) {
			b.c.errf(n.posAt(off+e.Offset), "%s", e.Message)
		} else {
			b.c.errf(n.pos, "%s", err.Error())
		}
		return nil, nil
	}
	return p, b.refsIn(n, p.Refs(), src, off, false)
}

// unwrapTemplate returns the inside of a string that is exactly one
// `${{ … }}` (spaces around allowed) and the offset where it starts.
func unwrapTemplate(s string) (string, int, bool) {
	t := strings.TrimSpace(s)
	if !strings.HasPrefix(t, "${{") || !strings.HasSuffix(t, "}}") || strings.Count(t, "${{") != 1 {
		return "", 0, false
	}
	start := strings.Index(s, "${{") + 3
	end := strings.LastIndex(s, "}}")
	if end < start {
		return "", 0, false
	}
	return s[start:end], start, true
}

// compileString compiles one string that may hold `${{ … }}` templates.
func (b *builder) compileString(n *node, opt expr.Options) (expr.Value, []ref) {
	v, errs := expr.CompileString(n.text, opt)
	for _, e := range errs {
		if e != nil {
			b.c.errf(n.posAt(e.Offset), "%s", e.Message)
		}
	}
	if len(errs) > 0 || v == nil {
		return nil, nil
	}
	return v, b.refsIn(n, v.Refs(), n.text, 0, true)
}

// compileValue compiles a value of any shape: mappings and lists keep their
// shape, strings may hold templates, and a value without any template is a
// literal.
func (b *builder) compileValue(n *node, opt expr.Options) (expr.Value, []ref) {
	if n == nil {
		return nil, nil
	}
	if !n.hasExpr() {
		return expr.Literal(n.plain()), nil
	}
	var refs []ref
	switch n.kind {
	case nodeMap:
		keys := make([]string, len(n.keys))
		vals := make([]expr.Value, len(n.vals))
		for i, k := range n.keys {
			var r []ref
			keys[i] = k.text
			vals[i], r = b.compileValue(n.vals[i], opt)
			refs = append(refs, r...)
		}
		return expr.Map(keys, vals), refs
	case nodeList:
		vals := make([]expr.Value, len(n.vals))
		for i, item := range n.vals {
			var r []ref
			vals[i], r = b.compileValue(item, opt)
			refs = append(refs, r...)
		}
		return expr.List(vals), refs
	}
	return b.compileString(n, opt)
}

// refsIn places the step ids that an expression reads: each at its
// `steps.ID` in the text, or at the start of the value when it cannot be
// found. off is where text starts inside the node.
func (b *builder) refsIn(n *node, ids []string, text string, off int, templ bool) []ref {
	out := make([]ref, 0, len(ids))
	for _, id := range ids {
		at := findStepRef(text, id, templ)
		if at < 0 {
			at = 0
		}
		out = append(out, ref{id: id, pos: n.posAt(off + at)})
	}
	return out
}

// findStepRef returns the offset of the first steps.ID (or steps["ID"]) in
// s, or -1.
func findStepRef(s, id string, templ bool) int {
	found := -1
	scanIdents(s, templ, func(at int, name string) bool {
		if name != "steps" {
			return true
		}
		rest := strings.TrimLeft(s[at+len(name):], " \t")
		rest = strings.TrimPrefix(rest, "?")
		for _, form := range []string{"." + id, `["` + id + `"]`, `['` + id + `']`} {
			if strings.HasPrefix(rest, form) && (len(form) > len(id)+1 || !identByte(rest, len(form))) {
				found = at
				return false
			}
		}
		return true
	})
	return found
}

// findIdent returns the offset of the first use of the name (not a field
// of something else, not inside a quoted string) in s, or -1. In a template
// only the insides of `${{ … }}` are read.
func findIdent(s, name string, templ bool) int {
	found := -1
	scanIdents(s, templ, func(at int, got string) bool {
		if got == name {
			found = at
			return false
		}
		return true
	})
	return found
}

// scanIdents calls fn with each identifier that starts a name in an
// expression (one not preceded by a dot) until fn returns false.
func scanIdents(s string, templ bool, fn func(at int, name string) bool) {
	start, end := 0, len(s)
	for {
		if templ {
			i := strings.Index(s[start:], "${{")
			if i < 0 {
				return
			}
			start += i + 3
			j := strings.Index(s[start:], "}}")
			end = len(s)
			if j >= 0 {
				end = start + j
			}
		}
		if !scanSegment(s, start, end, fn) || !templ {
			return
		}
		start = end
	}
}

// scanSegment scans s[start:end]; it returns false when fn asked to stop.
func scanSegment(s string, start, end int, fn func(int, string) bool) bool {
	var quote byte
	for i := start; i < end; i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'' || c == '`':
			quote = c
		case identStart(c) && (i == start || !identByte(s, i-1) && s[i-1] != '.'):
			j := i
			for j < end && identByte(s, j) {
				j++
			}
			if !fn(i, s[i:j]) {
				return false
			}
			i = j - 1
		}
	}
	return true
}

func identStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// identByte reports whether s[i] exists and can be part of an identifier.
func identByte(s string, i int) bool {
	if i < 0 || i >= len(s) {
		return false
	}
	c := s[i]
	return identStart(c) || c >= '0' && c <= '9'
}
