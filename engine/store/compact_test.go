package store

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestCompactStepsEncodeAsJSONWould: the hand-written encoding of a run's
// compact steps decodes to what json.Marshal's would.
func TestCompactStepsEncodeAsJSONWould(t *testing.T) {
	t.Parallel()
	steps := []compactStep{
		{ID: "a", Status: "succeeded", Output: json.RawMessage(`{"n":1,"s":"x"}`), Attempts: 1, Started: 5, Finished: 7},
		{ID: "odd \"id\"\n\\ é", Phase: 1, Status: "skipped", Finished: 9},
		{ID: "b", Status: "skipped"},
	}
	std, err := json.Marshal(steps)
	if err != nil {
		t.Fatal(err)
	}
	var want, got []compactStep
	if err := json.Unmarshal(std, &want); err != nil {
		t.Fatal(err)
	}
	mine := appendCompactSteps(nil, steps)
	if err := json.Unmarshal(mine, &got); err != nil {
		t.Fatalf("%s: %v", mine, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %s\nwant %s", mine, std)
	}
}

func TestEncodeMapAsJSONWould(t *testing.T) {
	t.Parallel()
	for _, m := range []map[string]string{
		{"content-type": "application/json", "x-signature": "abc", "a": ""},
		{"weird \"key\"": "line\nbreak\t<tag>&", "ünï": "cödé", "ctl": "\x01\x7f"},
		{"bad-utf8": "\xff\xfe"},
	} {
		std, _ := json.Marshal(m)
		mine, err := encodeMap(m)
		if err != nil {
			t.Fatal(err)
		}
		var want, got map[string]string
		if err := json.Unmarshal(std, &want); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(mine.(string)), &got); err != nil {
			t.Fatalf("%s: %v", mine, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got %s, want %s", mine, std)
		}
	}
	if v, _ := encodeMap(nil); v != nil {
		t.Errorf("an empty map encodes as %v, want NULL", v)
	}
}
