package deliver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/engine/signature"
	"github.com/hookflow/hookflow/engine/store"
)

// Content types a subscription may choose.
const (
	ContentJSON = "application/json"
	ContentForm = "application/x-www-form-urlencoded"
)

// drainLimit is how much of a response beyond MaxResponseBody is read so
// that its connection can be reused.
const drainLimit = 256 << 10

// attempt sends one attempt of j and returns its outcome. ok is false
// when the attempt was abandoned because ctx ended (the server stops):
// nothing is recorded and the delivery is handed back.
func (d *Deliverer) attempt(ctx context.Context, j *store.DeliveryJob) (res store.DeliveryResult, ok bool) {
	sub := j.Subscription
	res = store.DeliveryResult{ID: j.ID, SubscriptionID: sub.ID, Attempt: j.Attempt, Owner: j.Owner}
	now := d.cfg.Now()
	res.Record.StartedAt = now
	start := time.Now()
	err := d.send(ctx, j, now, &res.Record)
	res.Record.DurationMS = time.Since(start).Milliseconds()
	if ctx.Err() != nil && errors.Is(err, context.Canceled) {
		return res, false
	}
	res.Status, res.RunAt = decide(err, j.SeriesAttempt, sub.MaxAttempts, d.cfg.Schedule, now, d.cfg.Rand)
	res.Healthy = err == nil
	res.Gone = res.Record.Status == http.StatusGone
	if err != nil {
		res.Record.Error = err.Error()
	}
	return res, true
}

// send builds, signs and sends the request, keeps the response's status
// and body in rec, and returns the outcome classified by
// engine.CheckResponse or engine.CheckTransportError.
func (d *Deliverer) send(ctx context.Context, j *store.DeliveryJob, now time.Time, rec *store.DeliveryAttempt) error {
	if j.Event == nil {
		return engine.Permanent(errors.New("the event of this delivery was deleted"))
	}
	sub := j.Subscription
	body, ctype := Payload(j.Event, sub.ContentType)
	ctx, cancel := context.WithTimeout(ctx, d.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, sub.Method, sub.URL, bytes.NewReader(body))
	if err != nil {
		return engine.Permanent(fmt.Errorf("build request: %w", redactURLError(err)))
	}
	req.Header.Set("User-Agent", d.cfg.UserAgent)
	for k, v := range sub.Headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("Content-Type", ctype)
	req.Header.Set(signature.HeaderWebhookID, j.ID)
	req.Header.Set(signature.HeaderWebhookTimestamp, strconv.FormatInt(now.Unix(), 10))
	if sub.Secret != "" {
		sig, err := signature.Headers(sub.Secret, j.ID, now, body)
		if err != nil {
			return engine.Permanent(fmt.Errorf("sign the delivery: %w", err))
		}
		for k, v := range sig {
			req.Header.Set(k, v)
		}
	}
	resp, err := d.cfg.Client.Do(req)
	if err != nil {
		return engine.CheckTransportError(req, err)
	}
	defer resp.Body.Close()
	rec.Status = resp.StatusCode
	rec.Response, err = io.ReadAll(io.LimitReader(resp.Body, store.MaxResponseBody))
	if err == nil {
		_, _ = io.CopyN(io.Discard, resp.Body, drainLimit)
	}
	return engine.CheckResponse(resp, nil, d.cfg.Now())
}

// Payload returns the body of a delivery of ev and its content type:
// {"id", "type", "timestamp", "data"} as JSON, or the same fields
// form-encoded (data as JSON text) for ContentForm. The event's raw bytes
// are the data; data that is not valid JSON is sent as a JSON string.
func Payload(ev *engine.Event, contentType string) ([]byte, string) {
	data := ev.Raw
	if len(data) == 0 {
		data = []byte("null")
	} else if !json.Valid(data) {
		data, _ = json.Marshal(string(data))
	}
	ts := ev.ReceivedAt.UTC().Format(time.RFC3339Nano)
	if contentType == ContentForm {
		form := url.Values{"id": {ev.ID}, "type": {ev.Type}, "timestamp": {ts}, "data": {string(data)}}
		return []byte(form.Encode()), ContentForm
	}
	b := make([]byte, 0, len(data)+len(ev.ID)+len(ev.Type)+len(ts)+48)
	b = append(b, `{"id":`...)
	b = appendJSONString(b, ev.ID)
	b = append(b, `,"type":`...)
	b = appendJSONString(b, ev.Type)
	b = append(b, `,"timestamp":"`...)
	b = append(b, ts...)
	b = append(b, `","data":`...)
	b = append(b, data...)
	return append(b, '}'), ContentJSON
}

// appendJSONString appends s as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	q, _ := json.Marshal(s)
	return append(b, q...)
}

// redactURLError keeps a *url.Error's cause without the URL, which may
// hold credentials.
func redactURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
