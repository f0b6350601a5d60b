package actions

import (
	"reflect"
	"sync"
	"testing"

	"github.com/hookflow/hookflow/engine"
)

// recordingResponder is an in-test engine.Responder that keeps what it got.
type recordingResponder struct {
	mu      sync.Mutex
	waiting bool
	got     map[string]engine.Response
}

func (r *recordingResponder) Respond(runID string, resp engine.Response) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.got == nil {
		r.got = map[string]engine.Response{}
	}
	r.got[runID] = resp
	return r.waiting
}

func TestRespond(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		with map[string]any
		want engine.Response
		body string // as recorded
	}{
		{name: "defaults", with: nil, want: engine.Response{Status: 200}},
		{name: "text body", with: map[string]any{"status": 201, "body": "created"},
			want: engine.Response{Status: 201, Body: "created"}, body: "created"},
		{name: "JSON body and headers",
			with: map[string]any{"status": 200, "headers": map[string]any{"Content-Type": "application/json", "X-N": 3}, "body": map[string]any{"ok": true}},
			want: engine.Response{Status: 200, Headers: map[string]string{"Content-Type": "application/json", "X-N": "3"}, Body: map[string]any{"ok": true}},
			body: `{"ok":true}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rr := &recordingResponder{waiting: true}
			def := Respond(Deps{Responder: rr})
			if !def.Pure {
				t.Fatal("respond must be Pure so that hookflow test runs it")
			}
			p, err := def.DecodeParams(tt.with)
			if err != nil {
				t.Fatal(err)
			}
			step := &engine.Step{RunID: "run1", StepID: "reply", Item: -1, Params: p}
			out, err := def.Action.Run(t.Context(), step)
			if err != nil || out != nil {
				t.Fatalf("Run = %v, %v; want nil, nil", out, err)
			}
			if got := rr.got["run1"]; !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("responded %#v, want %#v", got, tt.want)
			}
			xs := step.Exchanges()
			if len(xs) != 1 || xs[0].Request != nil || xs[0].Response.Status != tt.want.Status || xs[0].Response.Body != tt.body {
				t.Fatalf("recorded %#v", xs)
			}
		})
	}
}

func TestRespondDryRunAnswersNobody(t *testing.T) {
	t.Parallel()
	rr := &recordingResponder{waiting: true}
	def := Respond(Deps{Responder: rr})
	p, _ := def.DecodeParams(map[string]any{"status": 202, "body": "x"})
	step := &engine.Step{RunID: "run1", StepID: "reply", Item: -1, Params: p, DryRun: true}
	if _, err := def.Action.Run(t.Context(), step); err != nil {
		t.Fatal(err)
	}
	if len(rr.got) != 0 {
		t.Fatalf("a dry run responded: %v", rr.got)
	}
	if xs := step.Exchanges(); len(xs) != 1 || xs[0].Response.Status != 202 {
		t.Fatalf("a dry run must record what it would answer: %#v", xs)
	}
}

func TestRespondWithoutResponderOrWaiter(t *testing.T) {
	t.Parallel()
	for _, deps := range []Deps{{}, {Responder: &recordingResponder{waiting: false}}} {
		def := Respond(deps)
		p, _ := def.DecodeParams(map[string]any{"body": "x"})
		if out, err := def.Action.Run(t.Context(), &engine.Step{RunID: "r", StepID: "s", Item: -1, Params: p}); err != nil || out != nil {
			t.Fatalf("Run = %v, %v; want nil, nil", out, err)
		}
	}
}

func TestRespondRefusesBadStatus(t *testing.T) {
	t.Parallel()
	for _, status := range []int{-1, 99, 600} {
		rr := &recordingResponder{waiting: true}
		def := Respond(Deps{Responder: rr})
		p, _ := def.DecodeParams(map[string]any{"status": status})
		_, err := def.Action.Run(t.Context(), &engine.Step{RunID: "r", StepID: "s", Item: -1, Params: p})
		if !engine.IsPermanent(err) || len(rr.got) != 0 {
			t.Fatalf("status %d: err %v, responded %v; want a permanent error and no answer", status, err, rr.got)
		}
	}
}

func TestRespondIsRegistered(t *testing.T) {
	t.Parallel()
	if _, ok := Registry(Deps{}).Lookup("respond"); !ok {
		t.Fatal("respond is not in the registry")
	}
}
