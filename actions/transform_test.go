package actions

import (
	"testing"

	"github.com/hookflow/hookflow/engine"
)

func TestTransform(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		with map[string]any
		want any
	}{
		{
			name: "values",
			with: map[string]any{"values": map[string]any{"total": 12.5, "who": "ana", "items": []any{1, 2}, "none": nil}},
			want: map[string]any{"total": 12.5, "who": "ana", "items": []any{1, 2}, "none": nil},
		},
		{name: "no values", with: map[string]any{}, want: map[string]any{}},
	}
	def := Transform(Deps{})
	if !def.Pure {
		t.Fatal("transform must be Pure")
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := def.DecodeParams(tt.with)
			if err != nil {
				t.Fatal(err)
			}
			out, err := def.Action.Run(t.Context(), &engine.Step{Item: -1, Params: p})
			if err != nil {
				t.Fatal(err)
			}
			if !equalJSON(out, tt.want) {
				t.Fatalf("output %#v, want %#v", out, tt.want)
			}
		})
	}
}

func TestWrongParamsType(t *testing.T) {
	t.Parallel()
	for _, name := range Registry(Deps{}).Names() {
		def, _ := Registry(Deps{}).Lookup(name)
		_, err := def.Action.Run(t.Context(), &engine.Step{Item: -1, Params: &struct{}{}})
		if !engine.IsPermanent(err) {
			t.Errorf("%s with the wrong params type: %v, want a permanent error", name, err)
		}
	}
}
