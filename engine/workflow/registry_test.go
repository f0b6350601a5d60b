package workflow

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/hookflow/hookflow/engine"
)

// The parameter structs below are shaped like the real actions' (the
// engine never imports the actions package).

type httpParams struct {
	URL             string            `json:"url" required:"true" doc:"The URL to call."`
	Method          string            `json:"method" enum:"GET,POST,PUT,PATCH,DELETE,HEAD,OPTIONS" doc:"The HTTP method."`
	Headers         map[string]string `json:"headers" doc:"Request headers."`
	Query           map[string]string `json:"query" doc:"Query parameters."`
	Body            any               `json:"body" doc:"The body."`
	ContentType     string            `json:"content_type" doc:"The body's content type."`
	Timeout         engine.Duration   `json:"timeout" doc:"How long to wait."`
	Expect          []int             `json:"expect" doc:"Accepted status codes."`
	Secret          string            `json:"secret" secret:"true" doc:"Signs the request."`
	FollowRedirects bool              `json:"follow_redirects" doc:"Follow redirects."`
}

type transformParams struct {
	Values map[string]any `json:"values" doc:"The values to compute."`
}

// text accepts any JSON value, as the real actions' Text does.
type text string

func (t *text) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*t = text(fmt.Sprint(v))
	return nil
}

// level refuses what is not a known level, to test decoding checks.
type level string

func (l *level) UnmarshalText(b []byte) error {
	switch string(b) {
	case "debug", "info", "warn", "error":
		*l = level(b)
		return nil
	}
	return fmt.Errorf("unknown level %q", b)
}

type logParams struct {
	Message text   `json:"message" required:"true" doc:"The message."`
	Level   string `json:"level" enum:"debug,info,warn,error" doc:"The level."`
	Also    level  `json:"also"`
}

type slackParams struct {
	WebhookURL string `json:"webhook_url" required:"true" doc:"The incoming webhook."`
	Text       string `json:"text" doc:"The text."`
	Blocks     []any  `json:"blocks" doc:"Block Kit blocks."`
}

type discordParams struct {
	WebhookURL string `json:"webhook_url" required:"true"`
	Content    string `json:"content"`
	Embeds     []any  `json:"embeds"`
}

type teamsParams struct {
	WebhookURL string `json:"webhook_url" required:"true"`
	Text       string `json:"text"`
	Card       any    `json:"card"`
}

type emailParams struct {
	To      string `json:"to" required:"true" doc:"Recipients, comma-separated."`
	Cc      string `json:"cc"`
	Bcc     string `json:"bcc"`
	From    string `json:"from"`
	Subject string `json:"subject"`
	Text    string `json:"text"`
	HTML    string `json:"html"`
}

type upsertParams struct {
	Table  string         `json:"table" required:"true"`
	Key    []string       `json:"key" required:"true"`
	Values map[string]any `json:"values" required:"true"`
}

type sqlParams struct {
	Connection string        `json:"connection" required:"true"`
	Upsert     *upsertParams `json:"upsert"`
	Exec       string        `json:"exec"`
	Query      string        `json:"query"`
	Args       []any         `json:"args"`
}

type storeParams struct {
	Op        string          `json:"op" required:"true" enum:"get,set,incr,delete"`
	Namespace string          `json:"namespace"`
	Key       string          `json:"key" required:"true"`
	Value     any             `json:"value"`
	TTL       engine.Duration `json:"ttl"`
	By        int             `json:"by"`
}

type delayParams struct {
	Duration engine.Duration `json:"duration"`
	Until    string          `json:"until"`
}

type emitParams struct {
	Type string `json:"type" required:"true"`
	Data any    `json:"data"`
}

type respondParams struct {
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	Body    any               `json:"body"`
}

// testRegistry returns a registry with every action of SPEC 3.4.
func testRegistry() *engine.Registry {
	nop := engine.ActionFunc(func(context.Context, *engine.Step) (any, error) { return nil, nil })
	return engine.NewRegistry().
		Add(engine.Definition{Name: "http", Summary: "Calls a URL.", Params: httpParams{}, Action: nop}).
		Add(engine.Definition{Name: "transform", Summary: "Computes values.", Params: transformParams{}, Pure: true, Action: nop}).
		Add(engine.Definition{Name: "log", Summary: "Writes to the run's log.", Params: logParams{}, Pure: true, Action: nop}).
		Add(engine.Definition{Name: "slack", Params: slackParams{}, Action: nop}).
		Add(engine.Definition{Name: "discord", Params: discordParams{}, Action: nop}).
		Add(engine.Definition{Name: "teams", Params: teamsParams{}, Action: nop}).
		Add(engine.Definition{Name: "email", Params: emailParams{}, Action: nop}).
		Add(engine.Definition{Name: "sql", Params: sqlParams{}, Action: nop}).
		Add(engine.Definition{Name: "store", Params: storeParams{}, Action: nop}).
		Add(engine.Definition{Name: "delay", Params: delayParams{}, Action: nop}).
		Add(engine.Definition{Name: "emit", Params: emitParams{}, Action: nop}).
		Add(engine.Definition{Name: "respond", Params: respondParams{}, Action: nop})
}
