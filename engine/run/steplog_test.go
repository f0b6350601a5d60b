package run

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/hookflow/hookflow/engine"
)

func TestStepLoggerAddsRunAndStep(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	base := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
	log := stepLogger(base, "r1", "s1")
	log.Info("plain", "k", 1)
	log.With("w", 2).Info("with")
	log.WithGroup("g").Info("grouped", "k", 3)
	log.Debug("below the level")
	want := []string{
		`level=INFO msg=plain run=r1 step=s1 k=1`,
		`level=INFO msg=with run=r1 step=s1 w=2`,
		`level=INFO msg=grouped run=r1 step=s1 g.k=3`,
	}
	if got := strings.Split(strings.TrimSpace(buf.String()), "\n"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestElideEventBody(t *testing.T) {
	t.Parallel()
	ev := &engine.Event{Raw: []byte(`{"a":1}`)}
	xs := []engine.Exchange{
		{Request: &engine.RequestRecord{Body: `{"a":1}`}},
		{Request: &engine.RequestRecord{Body: `{"a":2}`}},
		{Response: &engine.ResponseRecord{Body: `{"a":1}`}},
	}
	elideEventBody(xs, ev)
	if r := xs[0].Request; r.Body != "" || !r.BodyFromEvent {
		t.Errorf("the event's body was kept: %+v", r)
	}
	if r := xs[1].Request; r.Body != `{"a":2}` || r.BodyFromEvent {
		t.Errorf("another body was elided: %+v", r)
	}
	if xs[2].Response.Body != `{"a":1}` {
		t.Error("a response body was elided")
	}
	elideEventBody(xs, &engine.Event{}) // no raw body: nothing to do
}
