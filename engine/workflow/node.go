package workflow

import (
	"strconv"
	"strings"
)

// nodeKind is the kind of a YAML value after aliases and tags are resolved.
type nodeKind int

const (
	nodeNull nodeKind = iota
	nodeMap
	nodeList
	nodeString
	nodeInt
	nodeFloat
	nodeBool
)

// scalarStyle is how a scalar was written; it decides how an offset inside
// the value maps to a column in the file.
type scalarStyle int

const (
	stylePlain scalarStyle = iota
	styleQuoted
	styleBlock // | or >
)

// blockLine is one source line of a block scalar's content.
type blockLine struct {
	pos Pos // where the line's content starts
	n   int // length of the content in bytes
}

// node is a YAML value with its position. The YAML library's tree is turned
// into nodes in yaml.go, the only file that imports it; everything else in
// the package works on nodes.
type node struct {
	kind  nodeKind
	pos   Pos
	style scalarStyle
	// text is the scalar's text; value its decoded form (string, int,
	// int64, uint64, float64, bool or nil).
	text  string
	value any
	// keys and vals are a mapping's entries in file order; vals alone holds
	// a list's items.
	keys []*node
	vals []*node
	// block holds the content lines of a block scalar.
	block []blockLine
	// count is the number of values in the node, aliases expanded.
	count int
}

// get returns the value of key k in a mapping and its key node.
func (n *node) get(k string) (val, key *node) {
	if n == nil || n.kind != nodeMap {
		return nil, nil
	}
	for i, kn := range n.keys {
		if kn.text == k {
			return n.vals[i], kn
		}
	}
	return nil, nil
}

// has reports whether a mapping has key k with a non-null value.
func (n *node) has(k string) bool {
	v, _ := n.get(k)
	return v != nil && v.kind != nodeNull
}

// str returns the text of a string scalar, or "" for any other kind.
func (n *node) str() string {
	if n == nil || n.kind != nodeString {
		return ""
	}
	return n.text
}

// isExpr reports whether n is a string holding a `${{` template.
func (n *node) isExpr() bool {
	return n != nil && n.kind == nodeString && strings.Contains(n.text, "${{")
}

// hasExpr reports whether n or anything inside it holds a `${{` template.
func (n *node) hasExpr() bool {
	if n == nil {
		return false
	}
	if n.isExpr() {
		return true
	}
	for _, v := range n.vals {
		if v.hasExpr() {
			return true
		}
	}
	return false
}

// yes11 are the plain scalars that YAML 1.1 read as booleans. hookflow reads
// YAML 1.2, where they are strings, but calls them booleans in messages,
// because that is what their author meant.
func yes11(n *node) bool {
	if n == nil || n.kind != nodeString || n.style != stylePlain {
		return false
	}
	switch strings.ToLower(n.text) {
	case "yes", "no", "on", "off", "y", "n":
		return true
	}
	return false
}

// describe names a node's kind for messages: "a mapping", "a number", ….
func describe(n *node) string {
	if yes11(n) {
		return "a boolean"
	}
	switch {
	case n == nil || n.kind == nodeNull:
		return "empty"
	case n.kind == nodeMap:
		return "a mapping"
	case n.kind == nodeList:
		return "a list"
	case n.kind == nodeInt || n.kind == nodeFloat:
		return "a number"
	case n.kind == nodeBool:
		return "a boolean"
	}
	return "a string"
}

// plain returns the Go value of a node: map[string]any, []any, string, int,
// int64, uint64, float64, bool or nil.
func (n *node) plain() any {
	if n == nil {
		return nil
	}
	switch n.kind {
	case nodeMap:
		m := make(map[string]any, len(n.keys))
		for i, k := range n.keys {
			m[k.text] = n.vals[i].plain()
		}
		return m
	case nodeList:
		l := make([]any, len(n.vals))
		for i, v := range n.vals {
			l[i] = v.plain()
		}
		return l
	}
	return n.value
}

// number returns a numeric scalar as a float64.
func (n *node) number() (float64, bool) {
	switch v := n.value.(type) {
	case int:
		return float64(v), true
	case int64:
		return float64(v), true
	case uint64:
		return float64(v), true
	case float64:
		return v, true
	}
	return 0, false
}

// posAt maps a byte offset inside a scalar's text to a file position: for a
// plain scalar, the node's column plus the offset; for a quoted one, one more
// for the quote (escapes make that approximate); for a block scalar, the
// line and column within the block.
func (n *node) posAt(off int) Pos {
	if off < 0 {
		off = 0
	}
	switch n.style {
	case styleQuoted:
		return Pos{Line: n.pos.Line, Col: n.pos.Col + 1 + off}
	case styleBlock:
		return n.blockPos(off)
	}
	return Pos{Line: n.pos.Line, Col: n.pos.Col + off}
}

// blockPos finds the line of a block scalar that holds offset off, counting
// each line's content and one byte for its line break.
func (n *node) blockPos(off int) Pos {
	if len(n.block) == 0 {
		return n.pos
	}
	for _, l := range n.block {
		if off <= l.n {
			return Pos{Line: l.pos.Line, Col: l.pos.Col + off}
		}
		off -= l.n + 1
	}
	last := n.block[len(n.block)-1]
	return Pos{Line: last.pos.Line, Col: last.pos.Col + last.n}
}

// scalarValue decodes a plain scalar's text the way YAML 1.2's core schema
// does; yaml.go uses it for tags such as !!int.
func scalarValue(s string) (nodeKind, any) {
	switch s {
	case "", "~", "null", "Null", "NULL":
		return nodeNull, nil
	case "true", "True", "TRUE":
		return nodeBool, true
	case "false", "False", "FALSE":
		return nodeBool, false
	}
	if i, err := strconv.ParseInt(s, 0, 64); err == nil {
		return nodeInt, intValue(i)
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return nodeFloat, f
	}
	return nodeString, s
}

// intValue returns i as an int when it fits.
func intValue(i int64) any {
	if int64(int(i)) == i {
		return int(i)
	}
	return i
}
