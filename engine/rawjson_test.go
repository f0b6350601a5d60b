package engine

import "testing"

func TestRawJSONOnlyForTheSameValue(t *testing.T) {
	t.Parallel()
	m := map[string]any{"a": 1.0}
	l := []any{1.0, 2.0}
	raw := []byte(`{"a": 1}`)
	tests := []struct {
		name string
		set  any
		ask  any
		want bool
	}{
		{"the same map", m, m, true},
		{"an equal map", m, map[string]any{"a": 1.0}, false},
		{"the same list", l, l, true},
		{"a shorter view of the list", l, l[:1], false},
		{"an equal list", l, []any{1.0, 2.0}, false},
		{"an empty list", []any{}, []any{}, false},
		{"a string", "x", "x", false},
		{"nil", nil, nil, false},
	}
	for _, tt := range tests {
		s := &Step{}
		s.SetRawJSON(tt.set, raw)
		if _, got := s.RawJSON(tt.ask); got != tt.want {
			t.Errorf("%s: RawJSON ok = %v, want %v", tt.name, got, tt.want)
		}
	}
	if _, ok := (&Step{}).RawJSON(m); ok {
		t.Error("a step without raw JSON handed some out")
	}
}
