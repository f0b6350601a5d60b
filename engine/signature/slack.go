package signature

import (
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// SignSlack returns what Slack sends for body at ts: the X-Slack-Signature
// value "v0=<hex>", the HMAC-SHA256 of "v0:<unix>:<body>" with the signing
// secret's bytes as key, and the X-Slack-Request-Timestamp value "<unix>".
func SignSlack(secret string, ts time.Time, body []byte) (signature, timestamp string) {
	return slackValues([]byte(secret), ts, body)
}

func slackValues(key []byte, ts time.Time, body []byte) (signature, timestamp string) {
	timestamp = strconv.FormatInt(ts.Unix(), 10)
	s := mac(key, body, "v0:", timestamp, ":")
	return "v0=" + hex.EncodeToString(s[:]), timestamp
}

// parseSlackSignature parses X-Slack-Signature: exactly "v0=" and 64 hex
// digits, surrounding white space aside. Slack sends one signature.
func parseSlackSignature(value string) (sum, error) {
	v, ok := strings.CutPrefix(strings.TrimSpace(value), "v0=")
	if !ok {
		return sum{}, errMalformed(HeaderSlackSignature, "no v0=<hex> signature")
	}
	s, ok := decodeHex(v)
	if !ok {
		return sum{}, errMalformed(HeaderSlackSignature, "v0= is not 64 hex digits")
	}
	return s, nil
}

// parseSlackTimestamp parses X-Slack-Request-Timestamp, returning the
// digits as sent (they are what was signed) and their value.
func parseSlackTimestamp(value string) (string, int64, error) {
	v := strings.TrimSpace(value)
	unix, ok := parseUnix(v)
	if !ok {
		return "", 0, errMalformed(HeaderSlackTimestamp, "not a Unix timestamp")
	}
	return v, unix, nil
}

// verifySlack checks X-Slack-Signature and X-Slack-Request-Timestamp.
func verifySlack(key []byte, headers HeaderGetter, body []byte, w window) error {
	sigValue := headers.Get(HeaderSlackSignature)
	if isBlank(sigValue) {
		return errMissing(HeaderSlackSignature)
	}
	tsValue := headers.Get(HeaderSlackTimestamp)
	if isBlank(tsValue) {
		return errMissing(HeaderSlackTimestamp)
	}
	stamp, unix, err := parseSlackTimestamp(tsValue)
	if err != nil {
		return err
	}
	sig, err := parseSlackSignature(sigValue)
	if err != nil {
		return err
	}
	if err := w.check(unix); err != nil {
		return err
	}
	if !matchAny(mac(key, body, "v0:", stamp, ":"), []sum{sig}) {
		return errMismatch()
	}
	return nil
}
