package workflow

import (
	"fmt"
	"strings"
)

// tests reads tests:, checking that every step it names exists.
func (b *builder) tests(list *node) []*Test {
	var out []*Test
	for i, n := range list.vals {
		if n.kind != nodeMap {
			continue
		}
		t := &Test{Pos: n.pos}
		if v, _ := n.get("name"); v != nil {
			t.Name = v.str()
		}
		owner := ownerName("test", n, fmt.Sprintf("tests[%d]", i))
		if v, _ := n.get("event"); v != nil && v.kind == nodeMap {
			t.Event = eventOf(v)
		}
		if v, _ := n.get("env"); v != nil && v.kind == nodeMap {
			t.Env = map[string]string{}
			for j, k := range v.keys {
				t.Env[k.text] = v.vals[j].str()
			}
		}
		if v, _ := n.get("mock"); v != nil && v.kind == nodeMap {
			t.Mock = map[string]any{}
			for j, k := range v.keys {
				b.knownStep(k, k.text, "mock of "+owner)
				t.Mock[k.text] = v.vals[j].plain()
			}
		}
		if v, _ := n.get("expect"); v != nil && v.kind == nodeMap {
			t.Expect = b.expect(v, owner)
		}
		out = append(out, t)
	}
	return out
}

// eventOf reads a test's event: a mapping with none of the event's keys
// is the body.
func eventOf(n *node) map[string]any {
	m, _ := n.plain().(map[string]any)
	for _, k := range []string{"method", "headers", "query", "body", "type"} {
		if _, ok := m[k]; ok {
			return m
		}
	}
	return map[string]any{"body": m}
}

// expect reads a test's expect:.
func (b *builder) expect(n *node, owner string) TestExpect {
	var e TestExpect
	if v, _ := n.get("status"); v != nil {
		e.Status = v.str()
	}
	lists := []struct {
		key  string
		dst  *[]string
		seen *bool
	}{{"ran", &e.Ran, &e.HasRan}, {"skipped", &e.Skipped, &e.HasSkipped}, {"failed", &e.Failed, &e.HasFailed}}
	for _, l := range lists {
		v, _ := n.get(l.key)
		if v == nil || v.kind != nodeList {
			continue
		}
		*l.seen = true
		*l.dst = []string{}
		for _, item := range v.vals {
			if item.kind == nodeString {
				b.knownStep(item, item.text, "expect."+l.key+" of "+owner)
				*l.dst = append(*l.dst, item.text)
			}
		}
	}
	if v, _ := n.get("outputs"); v != nil && v.kind == nodeMap {
		e.Outputs = map[string]any{}
		for i, k := range v.keys {
			id, _, _ := strings.Cut(k.text, ".")
			b.knownStep(k, id, "expect.outputs of "+owner)
			e.Outputs[k.text] = v.vals[i].plain()
		}
	}
	return e
}

// knownStep reports id at n when no step has it.
func (b *builder) knownStep(n *node, id, where string) {
	if b.ids[id] == nil {
		b.c.errf(n.pos, "unknown step %q in %s%s", id, where, suffix(id, b.knownIDs()))
	}
}
