package engine

import "strings"

// secretHeaderWords mark headers whose values are credentials.
var secretHeaderWords = []string{"authorization", "cookie", "token", "secret", "password", "api-key", "apikey"}

// IsSecretHeader reports whether a header's value is a credential that run
// records, the request inspector and API answers show as ***:
// Authorization, Cookie, and any header whose name says token, secret,
// password or api key. The one list serves every place that records
// headers.
func IsSecretHeader(name string) bool {
	name = strings.ToLower(name)
	for _, w := range secretHeaderWords {
		if strings.Contains(name, w) {
			return true
		}
	}
	return false
}
