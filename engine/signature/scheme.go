package signature

import (
	"fmt"
	"time"
)

// Scheme names a way of signing webhooks: the value of
// on.webhook.verify.scheme in a workflow file.
type Scheme string

// The schemes that hookflow verifies (and can sign).
const (
	// HMACSHA256 is a hex HMAC-SHA256 of the raw body in one header,
	// X-Signature unless configured otherwise. It is the default scheme and
	// the one hookflow's own outgoing requests carry.
	HMACSHA256 Scheme = "hmac-sha256"
	// GitHub is X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>.
	GitHub Scheme = "github"
	// Stripe is Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">.
	Stripe Scheme = "stripe"
	// Shopify is X-Shopify-Hmac-Sha256: <base64 HMAC-SHA256 of the body>.
	Shopify Scheme = "shopify"
	// Slack is X-Slack-Signature: v0=<hex HMAC-SHA256 of "v0:ts:body">,
	// with the timestamp in X-Slack-Request-Timestamp.
	Slack Scheme = "slack"
	// StandardWebhooks is the Standard Webhooks specification: webhook-id,
	// webhook-timestamp and webhook-signature: v1,<base64 HMAC-SHA256 of
	// "id.ts.body">.
	StandardWebhooks Scheme = "standard-webhooks"
)

// Header names, as the providers spell them. Lookups are case-insensitive.
const (
	HeaderSignature        = "X-Signature"
	HeaderGitHub           = "X-Hub-Signature-256"
	HeaderStripe           = "Stripe-Signature"
	HeaderShopify          = "X-Shopify-Hmac-Sha256"
	HeaderSlackSignature   = "X-Slack-Signature"
	HeaderSlackTimestamp   = "X-Slack-Request-Timestamp"
	HeaderWebhookID        = "webhook-id"
	HeaderWebhookTimestamp = "webhook-timestamp"
	HeaderWebhookSignature = "webhook-signature"
)

// DefaultTolerance is how far a signed timestamp may be from the clock, in
// either direction, when a Verifier sets no Tolerance. It is the value that
// Stripe, Slack and Standard Webhooks recommend.
const DefaultTolerance = 5 * time.Minute

// Schemes returns every known scheme, the default first.
func Schemes() []Scheme {
	return []Scheme{HMACSHA256, GitHub, Stripe, Shopify, Slack, StandardWebhooks}
}

// ParseScheme returns the Scheme named s. The empty string is the default,
// HMACSHA256. Any other unknown name is an error that lists the known ones.
func ParseScheme(s string) (Scheme, error) {
	if s == "" {
		return HMACSHA256, nil
	}
	sc := Scheme(s)
	if !sc.valid() {
		return "", fmt.Errorf("unknown signature scheme %q: want one of hmac-sha256, github, stripe, shopify, slack, standard-webhooks", s)
	}
	return sc, nil
}

// String returns the scheme's name as written in workflow files.
func (s Scheme) String() string { return string(s) }

// UnmarshalText sets s from its name with ParseScheme, so that a Scheme can
// be decoded directly from YAML or JSON.
func (s *Scheme) UnmarshalText(text []byte) error {
	sc, err := ParseScheme(string(text))
	if err != nil {
		return err
	}
	*s = sc
	return nil
}

func (s Scheme) valid() bool {
	switch s {
	case HMACSHA256, GitHub, Stripe, Shopify, Slack, StandardWebhooks:
		return true
	}
	return false
}
