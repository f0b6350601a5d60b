package signature

import (
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"
)

// standardPrefix marks a Standard Webhooks secret whose key is base64.
const standardPrefix = "whsec_"

// StandardKey returns the HMAC key of a Standard Webhooks secret: the
// base64-decoded text after the prefix when the secret starts with
// "whsec_", otherwise the secret's bytes. A whsec_ secret that is not
// base64 after the prefix is an error that does not repeat the secret.
func StandardKey(secret string) ([]byte, error) {
	rest, ok := strings.CutPrefix(secret, standardPrefix)
	if !ok {
		return []byte(secret), nil
	}
	key, err := base64.StdEncoding.DecodeString(rest)
	if err != nil || len(key) == 0 {
		return nil, errors.New("signature secret starts with whsec_ but is not base64 after it")
	}
	return key, nil
}

// SignStandard returns the webhook-signature value that the Standard
// Webhooks specification defines for message msgID sent at ts: "v1," and
// the base64 HMAC-SHA256 of "<msgID>.<unix>.<body>", keyed as StandardKey
// says.
func SignStandard(secret, msgID string, ts time.Time, body []byte) (string, error) {
	key, err := StandardKey(secret)
	if err != nil {
		return "", err
	}
	return standardValue(key, msgID, strconv.FormatInt(ts.Unix(), 10), body), nil
}

func standardValue(key []byte, msgID, timestamp string, body []byte) string {
	s := mac(key, body, msgID, ".", timestamp, ".")
	return "v1," + base64.StdEncoding.EncodeToString(s[:])
}

// parseStandardSignatures parses webhook-signature: entries separated by
// spaces, each "<version>,<signature>". Only v1 entries whose signature is
// the base64 of 32 bytes are kept; other versions (v1a, say) and broken
// entries are ignored, as the specification asks.
func parseStandardSignatures(value string) []sum {
	var sigs []sum
	for _, entry := range strings.Fields(value) {
		version, sig, ok := strings.Cut(entry, ",")
		if !ok || version != "v1" {
			continue
		}
		if s, ok := decodeBase64(sig); ok {
			sigs = append(sigs, s)
		}
	}
	return sigs
}

// standardNames are the three header names of one family.
type standardNames struct{ id, timestamp, signature string }

// standardHeaders picks the header family: webhook-*, or svix-* when a
// request carries svix-signature and no webhook-signature (Svix, and the
// services built on it, send the same scheme under those names).
func standardHeaders(headers HeaderGetter) (names, values standardNames) {
	names = standardNames{HeaderWebhookID, HeaderWebhookTimestamp, HeaderWebhookSignature}
	if isBlank(headers.Get(HeaderWebhookSignature)) && !isBlank(headers.Get("svix-signature")) {
		names = standardNames{"svix-id", "svix-timestamp", "svix-signature"}
	}
	values = standardNames{
		id:        headers.Get(names.id),
		timestamp: headers.Get(names.timestamp),
		signature: headers.Get(names.signature),
	}
	return names, values
}

// verifyStandard checks webhook-id, webhook-timestamp and
// webhook-signature.
func verifyStandard(key []byte, headers HeaderGetter, body []byte, w window) error {
	names, values := standardHeaders(headers)
	switch {
	case isBlank(values.id):
		return errMissing(names.id)
	case isBlank(values.timestamp):
		return errMissing(names.timestamp)
	case isBlank(values.signature):
		return errMissing(names.signature)
	}
	stamp := strings.TrimSpace(values.timestamp)
	unix, ok := parseUnix(stamp)
	if !ok {
		return errMalformed(names.timestamp, "not a Unix timestamp")
	}
	sigs := parseStandardSignatures(values.signature)
	if len(sigs) == 0 {
		return errMalformed(names.signature, "no v1,<base64> signature")
	}
	if err := w.check(unix); err != nil {
		return err
	}
	if !matchAny(mac(key, body, values.id, ".", stamp, "."), sigs) {
		return errMismatch()
	}
	return nil
}
