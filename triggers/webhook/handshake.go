package webhook

import (
	"crypto/subtle"

	"github.com/gofiber/fiber/v2"
)

// verdictHandshake is the inspector's verdict for an answered handshake.
const verdictHandshake = "handshake"

// hubChallenge answers the Meta (Facebook, Instagram, WhatsApp)
// subscription handshake: a GET with hub.mode=subscribe on a path where a
// workflow has verify_token. A hub.verify_token equal to one of those
// tokens (compared in constant time) gets hub.challenge back as text; any
// other gets 403. It comes before the method check, so a workflow that
// takes only POST still answers the GET handshake. Nothing is stored.
func (t *Trigger) hubChallenge(r *request) *answer {
	if r.method != fiber.MethodGet || r.query["hub.mode"] != "subscribe" {
		return nil
	}
	given := []byte(r.query["hub.verify_token"])
	found := false
	for _, h := range r.route.hooks {
		if !h.hasToken {
			continue
		}
		found = true
		if h.tokenErr == nil && subtle.ConstantTimeCompare(given, []byte(h.token)) == 1 {
			return &answer{
				status:      fiber.StatusOK,
				contentType: fiber.MIMETextPlainCharsetUTF8,
				body:        []byte(r.query["hub.challenge"]),
				verdict:     verdictHandshake,
			}
		}
	}
	if !found {
		return nil // an ordinary GET event that happens to carry hub.mode
	}
	return errorAnswer(fiber.StatusForbidden, "hub.verify_token does not match")
}

// slackChallenge answers Slack's url_verification: a body of type
// url_verification that passed a slack signature check gets its challenge
// back. Nothing is stored.
func (t *Trigger) slackChallenge(r *request) *answer {
	m, ok := r.ev.Body.(map[string]any)
	if !ok || m["type"] != "url_verification" {
		return nil
	}
	for _, h := range r.hooks {
		if h.slack {
			challenge, _ := m["challenge"].(string)
			return jsonAnswer(fiber.StatusOK, struct {
				Challenge string `json:"challenge"`
			}{challenge}, verdictHandshake)
		}
	}
	return nil
}
