package signature

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"net/http"
	"strconv"
	"time"
)

// sum is one HMAC-SHA256 signature.
type sum = [sha256.Size]byte

// Headers returns the headers that every attempt of a signed outgoing
// request carries (SPEC 3.5): X-Signature, the lowercase hex HMAC-SHA256 of
// the exact body bytes with the secret's bytes as key (what a receiver's
// hash_hmac('sha256', $payload, $secret) computes; for a whsec_ secret too,
// the whole string is the key), and webhook-id,
// webhook-timestamp and webhook-signature as the Standard Webhooks
// specification defines them. msgID must stay the same on every attempt of
// one delivery; ts is the attempt's time.
//
// It fails on an empty secret or msgID, and on a whsec_ secret that is not
// base64 after its prefix; the error never contains the secret.
func Headers(secret, msgID string, ts time.Time, body []byte) (map[string]string, error) {
	if secret == "" {
		return nil, errors.New("empty signature secret")
	}
	if msgID == "" {
		return nil, errors.New("empty webhook message id")
	}
	std, err := SignStandard(secret, msgID, ts, body)
	if err != nil {
		return nil, err
	}
	return map[string]string{
		HeaderSignature:        SignHex(secret, body),
		HeaderWebhookID:        msgID,
		HeaderWebhookTimestamp: strconv.FormatInt(ts.Unix(), 10),
		HeaderWebhookSignature: std,
	}, nil
}

// Sign returns the headers that the Verifier's scheme would have a sender
// attach to body, which Verify accepts while ts is within the tolerance of
// the Verifier's clock. msgID is used by StandardWebhooks only (and is then
// required); ts by the timestamped schemes only. Tests use Sign to build
// signed requests; so can users testing their own receivers.
func (v *Verifier) Sign(msgID string, ts time.Time, body []byte) (http.Header, error) {
	key, err := v.key()
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	switch v.scheme() {
	case GitHub:
		h.Set(HeaderGitHub, githubValue(key, body))
	case Stripe:
		h.Set(HeaderStripe, stripeValue(key, ts, body))
	case Shopify:
		h.Set(HeaderShopify, shopifyValue(key, body))
	case Slack:
		sig, stamp := slackValues(key, ts, body)
		h.Set(HeaderSlackSignature, sig)
		h.Set(HeaderSlackTimestamp, stamp)
	case StandardWebhooks:
		if msgID == "" {
			return nil, errors.New("empty webhook message id")
		}
		stamp := strconv.FormatInt(ts.Unix(), 10)
		h.Set(HeaderWebhookID, msgID)
		h.Set(HeaderWebhookTimestamp, stamp)
		h.Set(HeaderWebhookSignature, standardValue(key, msgID, stamp, body))
	default:
		h.Set(v.header(), hexValue(key, body))
	}
	return h, nil
}

// mac returns the HMAC-SHA256 under key of the prefix strings followed by
// body.
func mac(key, body []byte, prefix ...string) sum {
	m := hmac.New(sha256.New, key)
	for _, p := range prefix {
		m.Write([]byte(p))
	}
	m.Write(body)
	var out sum
	m.Sum(out[:0])
	return out
}

// matchAny reports whether any of sigs equals want, in constant time for
// each comparison.
func matchAny(want sum, sigs []sum) bool {
	for i := range sigs {
		if hmac.Equal(want[:], sigs[i][:]) {
			return true
		}
	}
	return false
}

// decodeHex decodes exactly 64 hex digits of either case into a sum.
// Unlike hex.Decode on a converted string it does not allocate.
func decodeHex(s string) (sum, bool) {
	var out sum
	if len(s) != 2*len(out) {
		return out, false
	}
	for i := range out {
		hi, ok1 := unhex(s[2*i])
		lo, ok2 := unhex(s[2*i+1])
		if !ok1 || !ok2 {
			return out, false
		}
		out[i] = hi<<4 | lo
	}
	return out, true
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// nextField returns the text before the first separator in s (a comma or
// ASCII white space) and the rest after it. Empty fields, as between two
// separators, come back as "".
func nextField(s string) (field, rest string) {
	for i := 0; i < len(s); i++ {
		if isSep(s[i]) {
			return s[:i], s[i+1:]
		}
	}
	return s, ""
}

func isSep(c byte) bool {
	return c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r'
}
