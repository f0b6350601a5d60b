package engine

import (
	"encoding/json"
	"fmt"
	"strings"
)

// eventFieldNames are the keys of an event given as fields.
var eventFieldNames = []string{"method", "headers", "query", "body", "type"}

// EventFromFields builds an event from its fields as `hookflow run`, the
// tests: of a workflow file and the manual trigger take them: `method`,
// `headers`, `query`, `body` and `type`. A map with none of those keys is
// the body. Type defaults to "manual"; header names are lower-cased; Raw is
// the body as JSON (or the text, when the body is a string).
func EventFromFields(m map[string]any) (*Event, error) {
	if !hasEventField(m) {
		m = map[string]any{"body": m}
	}
	ev := &Event{Type: "manual", Headers: map[string]string{}, Query: map[string]string{}}
	if t, ok := m["type"]; ok {
		s, ok := t.(string)
		if !ok || s == "" {
			return nil, fmt.Errorf("event type must be a non-empty string, not %v", t)
		}
		ev.Type = s
	}
	if v, ok := m["method"]; ok {
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("event method must be a string, not %v", v)
		}
		ev.Method = strings.ToUpper(s)
	}
	if err := stringMap(m["headers"], "headers", func(k, v string) { ev.Headers[strings.ToLower(k)] = v }); err != nil {
		return nil, err
	}
	if err := stringMap(m["query"], "query", func(k, v string) { ev.Query[k] = v }); err != nil {
		return nil, err
	}
	ev.Body = m["body"]
	switch b := ev.Body.(type) {
	case nil:
	case string:
		ev.Raw = []byte(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			return nil, fmt.Errorf("encode event body: %w", err)
		}
		ev.Raw = raw
	}
	return ev, nil
}

func hasEventField(m map[string]any) bool {
	for _, k := range eventFieldNames {
		if _, ok := m[k]; ok {
			return true
		}
	}
	return false
}

// stringMap calls set for each entry of a map field, formatting scalar
// values as text.
func stringMap(v any, name string, set func(k, v string)) error {
	if v == nil {
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("event %s must be a mapping of names to values", name)
	}
	for k, x := range m {
		switch s := x.(type) {
		case string:
			set(k, s)
		case nil:
			set(k, "")
		default:
			b, _ := json.Marshal(s)
			set(k, strings.Trim(string(b), `"`))
		}
	}
	return nil
}
