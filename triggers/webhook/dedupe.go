package webhook

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/hookflow/hookflow/engine/expr"
)

// deliveryHeaders carry a sender's delivery id, in the order they are
// read (lower-case names). svix-id is what Svix sends for webhook-id.
var deliveryHeaders = []string{"webhook-id", "svix-id", "x-github-delivery", "x-shopify-webhook-id", "idempotency-key"}

// maxDeliveryID is the longest delivery id kept as it is; a longer one is
// replaced by its SHA-256, so that keys stay small.
const maxDeliveryID = 200

// setDedupeKey sets Event.DedupeKey to "hook:<path>:<delivery id>" when
// the request has a delivery id: from a delivery header, or else from the
// first remaining workflow whose on.webhook.dedupe gives a non-empty
// value. The store refuses a second event with the same key, concurrent
// ones included. It never answers.
func (t *Trigger) setDedupeKey(r *request) *answer {
	id := headerDeliveryID(r.headers)
	if id == "" {
		id = t.exprDeliveryID(r)
	}
	if id != "" {
		r.ev.DedupeKey = dedupeKey(r.path, id)
	}
	return nil
}

// headerDeliveryID returns the first non-empty delivery header.
func headerDeliveryID(headers map[string]string) string {
	for _, name := range deliveryHeaders {
		if v := strings.TrimSpace(headers[name]); v != "" {
			return v
		}
	}
	return ""
}

// exprDeliveryID evaluates the workflows' on.webhook.dedupe on the event.
// A failing expression is logged and skipped: the event is stored without
// a key rather than refused.
func (t *Trigger) exprDeliveryID(r *request) string {
	for _, h := range r.hooks {
		if h.dedupe == nil {
			continue
		}
		v, err := h.dedupe.Run(&expr.Env{Event: r.ev, Env: t.opts.Env})
		if err != nil {
			t.opts.Logger.Warn("on.webhook.dedupe failed; the event is stored without a delivery id",
				"workflow", h.target.Workflow.Name, "path", r.path, "err", err)
			continue
		}
		if v == nil {
			continue
		}
		s, ok := v.(string)
		if !ok {
			if s, err = expr.Format(v); err != nil {
				continue
			}
		}
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}

// dedupeKey is the event's dedupe key for a delivery id on path.
func dedupeKey(path, id string) string {
	if len(id) > maxDeliveryID {
		sum := sha256.Sum256([]byte(id))
		id = "sha256:" + hex.EncodeToString(sum[:])
	}
	return "hook:" + path + ":" + id
}
