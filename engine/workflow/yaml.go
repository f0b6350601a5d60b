package workflow

// This is the only file of the package that imports the YAML library: it
// turns the library's syntax tree into nodes with positions.

import (
	"errors"
	"math"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// maxNodes bounds the size of a document once its aliases are expanded, so
// that a "billion laughs" file cannot exhaust memory or time.
const maxNodes = 200000

// parseYAML parses src into a node tree. It returns nil after reporting a
// syntax error, and a null node for an empty document.
func parseYAML(src []byte, c *collector) (root *node) {
	defer func() {
		if r := recover(); r != nil {
			c.errf(Pos{1, 1}, "cannot parse YAML: %v", r)
			root = nil
		}
	}()
	f, err := parser.ParseBytes(src, 0)
	if err != nil {
		reportSyntax(err, c)
		return nil
	}
	var body ast.Node
	for _, d := range f.Docs {
		if d == nil || d.Body == nil {
			continue
		}
		if _, ok := d.Body.(*ast.CommentGroupNode); ok {
			continue
		}
		if body != nil {
			at := d.Start
			if at == nil {
				at = d.Body.GetToken()
			}
			c.errf(tokenPos(at), "a workflow file holds one YAML document; remove this second one")
			break
		}
		body = d.Body
	}
	cv := &converter{c: c, anchors: map[string]*node{}, lines: splitLines(src)}
	if body == nil {
		return &node{kind: nodeNull, pos: Pos{1, 1}}
	}
	return cv.conv(body)
}

// reportSyntax turns the YAML library's error into a diagnostic.
func reportSyntax(err error, c *collector) {
	var ye yaml.Error
	if errors.As(err, &ye) {
		c.errf(tokenPos(ye.GetToken()), "YAML syntax: %s", ye.GetMessage())
		return
	}
	c.errf(Pos{1, 1}, "YAML syntax: %s", firstLine(err.Error()))
}

// firstLine returns s up to its first line break.
func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// splitLines splits src into lines without their line breaks.
func splitLines(src []byte) []string {
	lines := strings.Split(string(src), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	return lines
}

// tokenPos returns a token's position, or 1:1 when there is none.
func tokenPos(t *token.Token) Pos {
	p := Pos{1, 1}
	if t != nil && t.Position != nil {
		p = Pos{Line: t.Position.Line, Col: t.Position.Column}
	}
	return clampPos(p)
}

// clampPos makes a position 1-based in both parts.
func clampPos(p Pos) Pos {
	p.Line = max(p.Line, 1)
	p.Col = max(p.Col, 1)
	return p
}

// converter turns the library's nodes into ours, resolving anchors, aliases,
// merge keys and tags.
type converter struct {
	c        *collector
	anchors  map[string]*node
	lines    []string
	expanded int // nodes reached through aliases so far
}

func (cv *converter) conv(n ast.Node) *node {
	out := cv.convNode(n)
	out.size()
	return out
}

func (cv *converter) convNode(n ast.Node) *node {
	switch x := n.(type) {
	case nil:
		return &node{kind: nodeNull, pos: Pos{1, 1}}
	case *ast.MappingNode:
		return cv.mapping(x.Values, x.IsFlowStyle, x.Start)
	case *ast.MappingValueNode:
		return cv.mapping([]*ast.MappingValueNode{x}, false, nil)
	case *ast.SequenceNode:
		return cv.sequence(x)
	case *ast.AnchorNode:
		v := cv.conv(x.Value)
		if x.Name != nil {
			cv.anchors[x.Name.GetToken().Value] = v
		}
		return v
	case *ast.AliasNode:
		return cv.alias(x)
	case *ast.TagNode:
		return cv.tag(x)
	case *ast.MappingKeyNode:
		return cv.conv(x.Value)
	case *ast.LiteralNode:
		return cv.literal(x)
	}
	return cv.scalar(n)
}

// scalar converts strings, numbers, booleans and nulls.
func (cv *converter) scalar(n ast.Node) *node {
	t := n.GetToken()
	out := &node{pos: tokenPos(t)}
	if t != nil {
		out.text = t.Value
	}
	switch x := n.(type) {
	case *ast.StringNode:
		out.kind, out.value, out.text = nodeString, x.Value, x.Value
		if t != nil && (t.Type == token.DoubleQuoteType || t.Type == token.SingleQuoteType) {
			out.style = styleQuoted
		}
	case *ast.IntegerNode:
		out.kind, out.value = nodeInt, x.Value
		switch i := x.Value.(type) {
		case int64:
			out.value = intValue(i)
		case uint64:
			if i <= math.MaxInt64 {
				out.value = intValue(int64(i))
			}
		}
	case *ast.FloatNode:
		out.kind, out.value = nodeFloat, x.Value
	case *ast.InfinityNode:
		out.kind, out.value = nodeFloat, x.Value
	case *ast.NanNode:
		out.kind, out.value = nodeFloat, math.NaN()
	case *ast.BoolNode:
		out.kind, out.value = nodeBool, x.Value
	case *ast.NullNode:
		out.kind, out.text = nodeNull, ""
	default:
		cv.c.errf(out.pos, "unsupported YAML %s", n.Type())
		out.kind = nodeNull
	}
	return out
}

// literal converts a block scalar (| or >) and records where each of its
// content lines starts, so that offsets inside it map to the file.
func (cv *converter) literal(x *ast.LiteralNode) *node {
	out := &node{kind: nodeString, style: styleBlock, pos: tokenPos(x.Start)}
	if x.Value != nil {
		out.text = x.Value.Value
	}
	out.value = out.text
	indent := -1
	for i := out.pos.Line; i < len(cv.lines); i++ {
		l := cv.lines[i]
		trimmed := strings.TrimLeft(l, " ")
		ind := len(l) - len(trimmed)
		if trimmed == "" {
			out.block = append(out.block, blockLine{pos: Pos{Line: i + 1, Col: 1}})
			continue
		}
		if indent < 0 {
			indent = ind
		}
		if ind < indent {
			break
		}
		out.block = append(out.block, blockLine{pos: Pos{Line: i + 1, Col: indent + 1}, n: len(l) - indent})
	}
	// Blank lines before the content start at the content's column too.
	for i := range out.block {
		if out.block[i].n == 0 && indent >= 0 {
			out.block[i].pos.Col = indent + 1
		}
	}
	return out
}

// mapping converts a mapping's entries; merge keys (<<) add the entries of
// the merged mappings that are not written out.
func (cv *converter) mapping(entries []*ast.MappingValueNode, flow bool, start *token.Token) *node {
	out := &node{kind: nodeMap}
	var merges []*node
	for _, e := range entries {
		if e == nil {
			continue
		}
		if _, ok := e.Key.(*ast.MergeKeyNode); ok {
			merges = append(merges, cv.conv(e.Value))
			continue
		}
		k := cv.conv(e.Key)
		if k.kind == nodeMap || k.kind == nodeList {
			cv.c.errf(k.pos, "mapping keys must be strings, not %s", describe(k))
			continue
		}
		out.keys = append(out.keys, k)
		out.vals = append(out.vals, cv.conv(e.Value))
	}
	for _, m := range merges {
		cv.merge(out, m)
	}
	switch {
	case flow && start != nil:
		out.pos = tokenPos(start)
	case len(out.keys) > 0:
		out.pos = out.keys[0].pos
	case start != nil:
		out.pos = tokenPos(start)
	default:
		out.pos = Pos{1, 1}
	}
	return out
}

// merge adds the entries of m (a mapping or a list of mappings) that out
// does not have yet.
func (cv *converter) merge(out, m *node) {
	switch m.kind {
	case nodeList:
		for _, v := range m.vals {
			cv.merge(out, v)
		}
	case nodeMap:
		for i, k := range m.keys {
			if _, have := out.get(k.text); have == nil {
				out.keys = append(out.keys, k)
				out.vals = append(out.vals, m.vals[i])
			}
		}
	default:
		cv.c.errf(m.pos, "<< must merge a mapping, not %s", describe(m))
	}
}

func (cv *converter) sequence(x *ast.SequenceNode) *node {
	out := &node{kind: nodeList, pos: tokenPos(x.Start)}
	for _, v := range x.Values {
		out.vals = append(out.vals, cv.conv(v))
	}
	return out
}

// alias returns the anchored node itself (shared, not copied) and keeps
// count of how large the expanded document has grown.
func (cv *converter) alias(x *ast.AliasNode) *node {
	pos := tokenPos(x.Start)
	name := ""
	if x.Value != nil {
		name = x.Value.GetToken().Value
	}
	a, ok := cv.anchors[name]
	if !ok {
		cv.c.errf(pos, "unknown alias *%s", name)
		return &node{kind: nodeNull, pos: pos}
	}
	cv.expanded += a.size()
	if cv.expanded > maxNodes {
		cv.c.errf(pos, "aliases expand the document beyond %d values", maxNodes)
		return &node{kind: nodeNull, pos: pos}
	}
	return a
}

// tag applies !!str, !!int, !!float, !!bool and !!null to a scalar; other
// tags are ignored.
func (cv *converter) tag(x *ast.TagNode) *node {
	v := cv.conv(x.Value)
	if x.Start == nil || v.kind == nodeMap || v.kind == nodeList {
		return v
	}
	c := *v
	switch x.Start.Value {
	case "!!str":
		c.kind, c.value = nodeString, c.text
	case "!!int", "!!float", "!!bool", "!!null":
		c.kind, c.value = scalarValue(c.text)
	default:
		return v
	}
	return &c
}

// size counts the values in n, aliases expanded; conv caches it in count.
func (n *node) size() int {
	if n.count > 0 {
		return n.count
	}
	s := 1
	for _, v := range n.vals {
		s = min(s+v.size(), maxNodes+1)
	}
	n.count = s
	return s
}
