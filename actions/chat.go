package actions

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hookflow/hookflow/engine"
)

// This file is what the slack, discord and teams actions share: each builds
// its service's incoming-webhook payload (slack.go, discord.go, teams.go)
// and chatAction posts it as JSON with the shared client, records the
// exchange and classifies the outcome exactly as the http action does.
//
// An incoming-webhook URL is itself the credential (its path holds the
// token), so it is declared secret:"true", and this file never shows more
// of it than the scheme and host: https://hooks.slack.com/***.

// maxChatAnswer is the most of a chat service's answer that is read; its
// start is quoted in the error of a failed post.
const maxChatAnswer = 64 << 10

// chatMessage is what a service's payload builder returns: where to post
// and what.
type chatMessage struct {
	webhookURL string
	payload    any
}

// chatAction performs the slack, discord and teams actions.
type chatAction struct {
	name      string
	client    *http.Client
	userAgent string
	now       func() time.Time
	// build validates the step's parameters and returns the message; its
	// errors are permanent.
	build func(step *engine.Step) (chatMessage, error)
}

var _ engine.Action = (*chatAction)(nil)

// newChatAction returns the action that posts what build returns.
func newChatAction(name string, deps Deps, build func(*engine.Step) (chatMessage, error)) *chatAction {
	return &chatAction{name: name, client: deps.Client, userAgent: "hookflow/" + deps.Version, now: deps.Now, build: build}
}

// Run posts the message once. In a dry run it records the request and
// sends nothing. The output is {"status": <code>}, also on a status error,
// so the run record can show it.
func (a *chatAction) Run(ctx context.Context, step *engine.Step) (any, error) {
	msg, err := a.build(step)
	if err != nil {
		return nil, engine.Permanent(fmt.Errorf("%s: %w", a.name, err))
	}
	u, err := parseWebhookURL(msg.webhookURL)
	if err != nil {
		return nil, engine.Permanent(fmt.Errorf("%s: %w", a.name, err))
	}
	secrets := []string{msg.webhookURL, u.String(), u.EscapedPath(), u.Path, u.RawQuery}
	shown := redactWebhookURL(u)
	body, err := marshalJSON(msg.payload)
	if err != nil {
		return nil, engine.Permanent(scrub(fmt.Errorf("%s: encode payload: %w", a.name, err), secrets...))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, engine.Permanent(scrub(fmt.Errorf("%s: %w", a.name, err), secrets...))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", a.userAgent)
	rec := &engine.RequestRecord{Method: req.Method, URL: shown, Headers: recordHeaders(req.Header), Body: capText(body, MaxRecordedBody)}
	if step.DryRun {
		step.Observe(rec, nil)
		return map[string]any{"status": http.StatusOK, "dry_run": true}, nil
	}
	resp, err := a.client.Do(req)
	if err != nil {
		step.Observe(rec, nil)
		return nil, scrub(checkTransport(req, shown, err), secrets...)
	}
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, maxChatAnswer))
	_ = resp.Body.Close()
	headers := recordHeaders(resp.Header)
	for k, v := range headers {
		headers[k] = scrubText(v, secrets...) // a Location may repeat the token
	}
	step.Observe(rec, &engine.ResponseRecord{
		Status:  resp.StatusCode,
		Headers: headers,
		Body:    scrubText(capText(answer, MaxRecordedBody), secrets...),
	})
	out := map[string]any{"status": resp.StatusCode}
	return out, scrub(a.checkStatus(resp, shown, answer), secrets...)
}

// checkStatus classifies the answer with engine.CheckResponse, showing the
// URL (and a redirect's target) without its secret path, and quotes the
// start of the service's answer, which says what was wrong
// ("invalid_payload", "channel_not_found", a Discord error object).
func (a *chatAction) checkStatus(resp *http.Response, shown string, answer []byte) error {
	err := engine.CheckResponse(resp, nil, a.now())
	if err == nil {
		return nil
	}
	var se *engine.StatusError
	if errors.As(err, &se) {
		se.URL = shown
		if loc, lerr := resp.Location(); lerr == nil && se.Location != "" {
			se.Location = redactWebhookURL(loc)
		}
	}
	if quote := answerQuote(answer); quote != "" {
		return &wrapped{msg: err.Error() + ": " + quote, err: err}
	}
	return err
}

// answerQuote returns the first line of an answer, at most 200 bytes.
func answerQuote(b []byte) string {
	line, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	line = strings.TrimSpace(line)
	if len(line) > 200 {
		line = capText([]byte(line), 200) + "…"
	}
	return line
}

// parseWebhookURL checks that raw is an http or https URL with a host.
// Its errors never quote the URL, which is a credential.
func parseWebhookURL(raw string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, errors.New("webhook_url is required")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("webhook_url is not a valid URL")
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return nil, errors.New("webhook_url must be an https (or http) URL")
	}
	if u.Host == "" {
		return nil, errors.New("webhook_url has no host")
	}
	return u, nil
}

// redactWebhookURL shows a webhook URL as scheme://host/***: its path and
// query hold the token.
func redactWebhookURL(u *url.URL) string {
	shown := u.Scheme + "://" + u.Host
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" || u.Opaque != "" {
		shown += "/***"
	}
	return shown
}

// setIf puts v under key when it is not empty.
func setIf(m map[string]any, key string, v string) {
	if v != "" {
		m[key] = v
	}
}
