package actions

import (
	"encoding/json"
	"testing"
)

func TestTextDecoding(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		`"plain"`:       "plain",
		`12`:            "12",
		`1.5e3`:         "1.5e3",
		`true`:          "true",
		`null`:          "",
		`{"a": [1, 2]}`: `{"a":[1,2]}`,
	}
	for in, want := range tests {
		var got Text
		if err := json.Unmarshal([]byte(in), &got); err != nil || string(got) != want {
			t.Errorf("Text from %s = %q, %v; want %q", in, got, err, want)
		}
	}
	var m TextMap
	if err := json.Unmarshal([]byte(`{"a": "x", "b": 3, "c": null, "d": false}`), &m); err != nil {
		t.Fatal(err)
	}
	if want := (TextMap{"a": "x", "b": "3", "c": "", "d": "false"}); !equalJSON(m, want) {
		t.Errorf("TextMap = %v, want %v", m, want)
	}
	if err := json.Unmarshal([]byte(`null`), &m); err != nil || m != nil {
		t.Errorf("TextMap from null = %v, %v", m, err)
	}
	if err := json.Unmarshal([]byte(`[1]`), &m); err == nil {
		t.Error("TextMap from a list did not fail")
	}
}
