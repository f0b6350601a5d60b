package engine

import (
	"reflect"
	"testing"
)

func TestEventFromFields(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      map[string]any
		want    *Event
		wantErr bool
	}{
		{
			name: "plain map is the body",
			in:   map[string]any{"type_x": "purchase", "total": 12.0},
			want: &Event{Type: "manual", Headers: map[string]string{}, Query: map[string]string{},
				Body: map[string]any{"type_x": "purchase", "total": 12.0}, Raw: []byte(`{"total":12,"type_x":"purchase"}`)},
		},
		{
			name: "fields",
			in: map[string]any{"method": "post", "type": "order.created", "headers": map[string]any{"X-Id": "a", "X-N": 3.0},
				"query": map[string]any{"list_id": "7"}, "body": "hi"},
			want: &Event{Type: "order.created", Method: "POST", Headers: map[string]string{"x-id": "a", "x-n": "3"},
				Query: map[string]string{"list_id": "7"}, Body: "hi", Raw: []byte("hi")},
		},
		{name: "bad headers", in: map[string]any{"headers": []any{"a"}}, wantErr: true},
		{name: "bad type", in: map[string]any{"type": 3.0}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := EventFromFields(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if err == nil && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestRetryErrors(t *testing.T) {
	t.Parallel()
	if IsPermanent(nil) || Permanent(nil) != nil {
		t.Fatal("nil must stay nil and not permanent")
	}
	p := Permanent(errString("boom"))
	if !IsPermanent(p) || p.Error() != "boom" {
		t.Fatalf("Permanent: %v", p)
	}
	r := RetryAfter(5, errString("slow down"))
	if d, ok := RetryAfterDelay(r); !ok || d != 5 {
		t.Fatalf("RetryAfterDelay = %v, %v", d, ok)
	}
	if _, ok := RetryAfterDelay(p); ok {
		t.Fatal("a permanent error carries no delay")
	}
}

type errString string

func (e errString) Error() string { return string(e) }
