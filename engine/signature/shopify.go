package signature

import (
	"crypto/sha256"
	"encoding/base64"
)

// SignShopify returns the X-Shopify-Hmac-Sha256 value that Shopify sends
// for body: the standard base64 (with padding) of the HMAC-SHA256 with the
// secret's bytes as key.
func SignShopify(secret string, body []byte) string {
	return shopifyValue([]byte(secret), body)
}

func shopifyValue(key, body []byte) string {
	s := mac(key, body)
	return base64.StdEncoding.EncodeToString(s[:])
}

// verifyShopify checks X-Shopify-Hmac-Sha256. Shopify sends one base64
// signature; a list separated by commas or spaces is accepted too.
func verifyShopify(key []byte, value string, body []byte) error {
	if isBlank(value) {
		return errMissing(HeaderShopify)
	}
	var buf [4]sum
	sigs := parseBase64List(buf[:0], value)
	if len(sigs) == 0 {
		return errMalformed(HeaderShopify, "no base64 signature")
	}
	if !matchAny(mac(key, body), sigs) {
		return errMismatch()
	}
	return nil
}

// parseBase64List appends to dst every field of value (separated by commas
// or white space) that is the standard base64 of a 32-byte signature.
// Other fields are skipped.
func parseBase64List(dst []sum, value string) []sum {
	for rest := value; rest != ""; {
		var field string
		field, rest = nextField(rest)
		if s, ok := decodeBase64(field); ok {
			dst = append(dst, s)
		}
	}
	return dst
}

// decodeBase64 decodes the standard, padded base64 of exactly one sum.
func decodeBase64(s string) (sum, bool) {
	var out sum
	if len(s) != base64.StdEncoding.EncodedLen(len(out)) {
		return out, false
	}
	var buf [sha256.Size + 1]byte
	n, err := base64.StdEncoding.Decode(buf[:], []byte(s))
	if err != nil || n != len(out) {
		return out, false
	}
	copy(out[:], buf[:n])
	return out, true
}
