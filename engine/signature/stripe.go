package signature

import (
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// SignStripe returns the Stripe-Signature value that Stripe sends for body
// at ts: "t=<unix>,v1=<hex>", where the hex is the HMAC-SHA256 of
// "<unix>.<body>" with the secret's bytes (the whsec_… string itself) as
// key.
func SignStripe(secret string, ts time.Time, body []byte) string {
	return stripeValue([]byte(secret), ts, body)
}

func stripeValue(key []byte, ts time.Time, body []byte) string {
	t := strconv.FormatInt(ts.Unix(), 10)
	s := mac(key, body, t, ".")
	return "t=" + t + ",v1=" + hex.EncodeToString(s[:])
}

// stripeHeader is a parsed Stripe-Signature value.
type stripeHeader struct {
	// timestamp is t= exactly as sent: it is what was signed.
	timestamp string
	unix      int64
	// sigs are the well-formed v1= signatures, in order.
	sigs []sum
}

// parseStripeHeader parses "t=<unix>,v1=<hex>[,v1=<hex>…]". Elements are
// separated by commas; unknown keys (v0=, a future scheme) and elements
// without "=" are ignored, as are v1= values that are not 64 hex digits.
// It fails without exactly one valid t= or without a usable v1=.
func parseStripeHeader(value string) (stripeHeader, error) {
	var h stripeHeader
	seenT := false
	for rest := value; rest != ""; {
		var elem string
		elem, rest, _ = strings.Cut(rest, ",")
		k, v, ok := strings.Cut(strings.TrimSpace(elem), "=")
		if !ok {
			continue
		}
		switch k {
		case "t":
			if seenT {
				return stripeHeader{}, errMalformed(HeaderStripe, "more than one t= timestamp")
			}
			seenT = true
			unix, ok := parseUnix(v)
			if !ok {
				return stripeHeader{}, errMalformed(HeaderStripe, "t= is not a Unix timestamp")
			}
			h.timestamp, h.unix = v, unix
		case "v1":
			if s, ok := decodeHex(v); ok {
				h.sigs = append(h.sigs, s)
			}
		}
	}
	if !seenT {
		return stripeHeader{}, errMalformed(HeaderStripe, "no t= timestamp")
	}
	if len(h.sigs) == 0 {
		return stripeHeader{}, errMalformed(HeaderStripe, "no v1=<hex> signature")
	}
	return h, nil
}

// verifyStripe checks Stripe-Signature: the timestamp against the window,
// then each v1= signature of "t.body".
func verifyStripe(key []byte, value string, body []byte, w window) error {
	if isBlank(value) {
		return errMissing(HeaderStripe)
	}
	h, err := parseStripeHeader(value)
	if err != nil {
		return err
	}
	if err := w.check(h.unix); err != nil {
		return err
	}
	if !matchAny(mac(key, body, h.timestamp, "."), h.sigs) {
		return errMismatch()
	}
	return nil
}
