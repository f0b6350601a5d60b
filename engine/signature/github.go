package signature

// SignGitHub returns the X-Hub-Signature-256 value that GitHub sends for
// body: "sha256=" and the lowercase hex HMAC-SHA256 with the secret's bytes
// as key.
func SignGitHub(secret string, body []byte) string {
	return githubValue([]byte(secret), body)
}

func githubValue(key, body []byte) string {
	return "sha256=" + hexValue(key, body)
}

// verifyGitHub checks X-Hub-Signature-256. GitHub sends one "sha256=<hex>";
// a list separated by commas is accepted too, and every entry must carry
// the prefix.
func verifyGitHub(key []byte, value string, body []byte) error {
	if isBlank(value) {
		return errMissing(HeaderGitHub)
	}
	var buf [4]sum
	sigs := parseHexList(buf[:0], value, "sha256=", true)
	if len(sigs) == 0 {
		return errMalformed(HeaderGitHub, "no sha256=<hex> signature")
	}
	if !matchAny(mac(key, body), sigs) {
		return errMismatch()
	}
	return nil
}
