package signature

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// A HeaderGetter gives a request header's value by its case-insensitive
// name, or "" when the request has none. http.Header is one; HeaderFunc
// adapts anything else (a fiber context, a map of lower-case names).
type HeaderGetter interface {
	Get(name string) string
}

// HeaderFunc adapts a function to a HeaderGetter.
type HeaderFunc func(name string) string

// Get returns f(name).
func (f HeaderFunc) Get(name string) string { return f(name) }

// A Verifier checks the signatures of inbound requests for one scheme and
// one secret. Only Scheme and Secret are required; the zero values of the
// other fields take their defaults. Verify does not modify the Verifier, so
// one Verifier may serve concurrent requests.
type Verifier struct {
	// Scheme is the signing scheme; empty means HMACSHA256.
	Scheme Scheme
	// Secret is the shared signing secret. For StandardWebhooks a secret
	// that starts with "whsec_" is base64 after the prefix; every other
	// secret is used as its bytes.
	Secret string
	// Header is the signature header for HMACSHA256 (default X-Signature).
	// The other schemes use their providers' header names and ignore it.
	Header string
	// Tolerance is how far a signed timestamp may be from Now, in the past
	// or the future (default DefaultTolerance). Only Stripe, Slack and
	// StandardWebhooks sign a timestamp.
	Tolerance time.Duration
	// Now is the clock (default time.Now); tests set it instead of sleeping.
	Now func() time.Time
}

// Validate reports whether the Verifier can verify anything: a known scheme,
// a non-empty secret (a whsec_ secret must be base64 after its prefix), a
// valid header name and a non-negative tolerance. Call it when a workflow
// loads, so that a bad configuration is a load error rather than a 401 on
// every request.
func (v *Verifier) Validate() error {
	_, err := v.key()
	return err
}

// Verify checks the signature that headers carry for body, the raw request
// body exactly as received. It returns nil when a signature in the headers
// matches and, for timestamped schemes, the timestamp is within the
// tolerance. Otherwise it returns an *Error whose message names the header
// at fault, or, when the Verifier itself is invalid, the error of Validate:
// Verify never accepts a request that it cannot check.
//
// The timestamp is checked before the signature, as Stripe's, Slack's and
// the Standard Webhooks reference code do.
func (v *Verifier) Verify(headers HeaderGetter, body []byte) error {
	key, err := v.key()
	if err != nil {
		return err
	}
	if headers == nil {
		headers = http.Header(nil)
	}
	switch v.scheme() {
	case GitHub:
		return verifyGitHub(key, headers.Get(HeaderGitHub), body)
	case Stripe:
		return verifyStripe(key, headers.Get(HeaderStripe), body, v.window())
	case Shopify:
		return verifyShopify(key, headers.Get(HeaderShopify), body)
	case Slack:
		return verifySlack(key, headers, body, v.window())
	case StandardWebhooks:
		return verifyStandard(key, headers, body, v.window())
	}
	name := v.header()
	return verifyHMAC(key, name, headers.Get(name), body)
}

// key validates the Verifier and returns the HMAC key for its scheme.
func (v *Verifier) key() ([]byte, error) {
	sc := v.scheme()
	if _, err := ParseScheme(string(sc)); err != nil {
		return nil, err
	}
	if v.Secret == "" {
		return nil, errors.New("empty signature secret")
	}
	if v.Tolerance < 0 {
		return nil, fmt.Errorf("negative signature tolerance %s", v.Tolerance)
	}
	if sc == HMACSHA256 && !validHeaderName(v.header()) {
		return nil, fmt.Errorf("invalid signature header name %q", v.Header)
	}
	if sc == StandardWebhooks {
		return StandardKey(v.Secret)
	}
	return []byte(v.Secret), nil
}

func (v *Verifier) scheme() Scheme {
	if v.Scheme == "" {
		return HMACSHA256
	}
	return v.Scheme
}

func (v *Verifier) header() string {
	if h := strings.TrimSpace(v.Header); h != "" {
		return h
	}
	return HeaderSignature
}

func (v *Verifier) window() window {
	w := window{tolerance: v.Tolerance}
	if w.tolerance == 0 {
		w.tolerance = DefaultTolerance
	}
	if v.Now != nil {
		w.now = v.Now()
	} else {
		w.now = time.Now()
	}
	return w
}

// window is the span of acceptable signed timestamps: now ± tolerance, both
// ends included.
type window struct {
	now       time.Time
	tolerance time.Duration
}

// check refuses a Unix timestamp further than the tolerance from now.
func (w window) check(ts int64) error {
	d := w.now.Sub(time.Unix(ts, 0))
	if d > w.tolerance || d < -w.tolerance {
		return errTimestamp(ts, w.tolerance)
	}
	return nil
}

// parseUnix parses a Unix timestamp in seconds: 1 to 18 ASCII digits, no
// sign, no spaces. Eighteen digits keep every value far from overflow.
func parseUnix(s string) (int64, bool) {
	if len(s) == 0 || len(s) > 18 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// validHeaderName reports whether s is an HTTP token (RFC 9110 5.6.2).
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// isBlank reports whether a header value is empty or only white space,
// which counts as missing.
func isBlank(s string) bool { return strings.TrimSpace(s) == "" }
