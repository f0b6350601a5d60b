// Package signature signs and verifies webhooks for every scheme hookflow
// speaks. It is shared by inbound verification (the webhook trigger's
// on.webhook.verify) and outgoing signing (the http action and subscription
// deliveries), so that the two sides can never disagree about a format.
//
// # Inbound
//
// A Verifier holds one scheme and one secret. Verify checks the request's
// headers against the raw body bytes exactly as received:
//
//	v := &signature.Verifier{Scheme: signature.GitHub, Secret: secret}
//	if err := v.Verify(r.Header, raw); err != nil {
//		// answer 401 with err.Error(): a sentence that never holds the
//		// secret or the expected signature
//	}
//
// The schemes and what each signs:
//
//	hmac-sha256        X-Signature (configurable): hex HMAC-SHA256 of the body
//	github             X-Hub-Signature-256: sha256=<hex> of the body
//	stripe             Stripe-Signature: t=<unix>,v1=<hex> of "t.body"
//	shopify            X-Shopify-Hmac-Sha256: base64 of the body's HMAC
//	slack              X-Slack-Signature: v0=<hex> of "v0:ts:body",
//	                   with X-Slack-Request-Timestamp
//	standard-webhooks  webhook-id, webhook-timestamp and
//	                   webhook-signature: v1,<base64> of "id.ts.body"
//	                   (or the same under svix-id, svix-timestamp and
//	                   svix-signature, as Svix sends them)
//
// Comparisons are constant-time (hmac.Equal on the decoded bytes). A header
// may carry several signatures, as senders do while rotating keys (comma- or
// space-separated; Stripe's repeated v1=; Standard Webhooks' space-separated
// v1,… entries, other versions ignored); the request is accepted when any of
// them matches. Slack sends exactly one. Timestamped schemes refuse
// a timestamp further than the tolerance (default five minutes) from the
// Verifier's clock, in the past or in the future.
//
// Every failure is an *Error whose Reason (ErrMissing, ErrMalformed,
// ErrTimestamp, ErrMismatch) can be matched with errors.Is. A Verifier that
// is itself invalid (unknown scheme, empty secret) fails closed with the
// error that Validate reports; call Validate when a workflow loads.
//
// # Outgoing
//
// Headers gives what every attempt of a signed outgoing request carries:
// X-Signature (what a receiver's hash_hmac('sha256', $payload, $secret)
// computes) and the three Standard Webhooks headers. SignHex, SignGitHub,
// SignStripe, SignShopify, SignSlack and SignStandard produce each scheme's
// header value on its own, and Verifier.Sign produces the complete headers
// that a Verifier accepts, which is how tests (and users testing their own
// receivers) build signed requests.
//
// The package depends on the standard library only.
package signature
