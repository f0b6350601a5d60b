package actions

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Text is a string parameter that also accepts any other evaluated value: a
// number or boolean becomes its JSON text (12, true), null becomes "", and a
// map or list becomes compact JSON. So `message: "${{ event.body }}"`, whose
// expression keeps the value's type, still decodes.
type Text string

// UnmarshalJSON accepts any JSON value, as described on Text.
func (t *Text) UnmarshalJSON(b []byte) error {
	s, err := jsonText(b)
	*t = Text(s)
	return err
}

// TextMap is a map of string parameters (headers, query) whose values may be
// any evaluated value, turned into text as Text does.
type TextMap map[string]string

// UnmarshalJSON accepts an object with any values, or null.
func (m *TextMap) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	if raw == nil {
		*m = nil
		return nil
	}
	out := make(TextMap, len(raw))
	for k, v := range raw {
		s, err := jsonText(v)
		if err != nil {
			return fmt.Errorf("value of %q: %w", k, err)
		}
		out[k] = s
	}
	*m = out
	return nil
}

// jsonText turns one JSON value into text: a string is itself, null is "",
// anything else its compact JSON.
func jsonText(b []byte) (string, error) {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		return "", nil
	case b[0] == '"':
		var s string
		err := json.Unmarshal(b, &s)
		return s, err
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return "", err
	}
	return buf.String(), nil
}

// TextList is a list parameter that also accepts a single value: "a" is
// ["a"], null is empty, and each item becomes text as Text does. So `to:
// ana@example.com` and `to: [ana@example.com, bo@example.com]` both decode.
type TextList []string

// UnmarshalJSON accepts a list of any values, a single value, or null.
func (l *TextList) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '[' {
		s, err := jsonText(b)
		if err != nil {
			return err
		}
		*l = nil
		if s != "" {
			*l = TextList{s}
		}
		return nil
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	out := make(TextList, 0, len(raw))
	for i, v := range raw {
		s, err := jsonText(v)
		if err != nil {
			return fmt.Errorf("item %d: %w", i, err)
		}
		out = append(out, s)
	}
	*l = out
	return nil
}
