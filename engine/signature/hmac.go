package signature

import (
	"encoding/hex"
	"strings"
)

// SignHex returns the lowercase hex HMAC-SHA256 of body with the secret's
// bytes as key: the X-Signature value of hookflow's outgoing requests and of
// the hmac-sha256 scheme, equal to PHP's hash_hmac('sha256', $body,
// $secret).
func SignHex(secret string, body []byte) string {
	return hexValue([]byte(secret), body)
}

func hexValue(key, body []byte) string {
	s := mac(key, body)
	return hex.EncodeToString(s[:])
}

// verifyHMAC checks the hmac-sha256 scheme: the header holds the hex
// signature, optionally prefixed with "sha256=", and may list several
// separated by commas or spaces.
func verifyHMAC(key []byte, header, value string, body []byte) error {
	if isBlank(value) {
		return errMissing(header)
	}
	var buf [4]sum
	sigs := parseHexList(buf[:0], value, "sha256=", false)
	if len(sigs) == 0 {
		return errMalformed(header, "no hex signature")
	}
	if !matchAny(mac(key, body), sigs) {
		return errMismatch()
	}
	return nil
}

// parseHexList appends to dst every well-formed signature in value: fields
// separated by commas or white space, each 64 hex digits after prefix
// (matched case-insensitively). With required false the prefix may be
// left out. Fields that are not signatures are skipped: a sender rotating
// keys may add entries of a format this version does not know.
func parseHexList(dst []sum, value, prefix string, required bool) []sum {
	for rest := value; rest != ""; {
		var field string
		field, rest = nextField(rest)
		if field == "" {
			continue
		}
		if len(field) >= len(prefix) && strings.EqualFold(field[:len(prefix)], prefix) {
			field = field[len(prefix):]
		} else if required {
			continue
		}
		if s, ok := decodeHex(field); ok {
			dst = append(dst, s)
		}
	}
	return dst
}
