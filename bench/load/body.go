package load

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"strconv"
)

// DefaultBodySize is the size of every request body unless Config says
// otherwise: 1 KiB, the size the speed targets are stated for.
const DefaultBodySize = 1024

// minBodySize is the smallest body Body can make: the fixed fields plus a
// ten-digit seq.
const minBodySize = len(bodyHead) + 10 + len(bodyMid) + 10 + len(bodyTail) + 2

// The body is an order, the kind of event a shop sends: a type and total
// that a workflow's `if:` can test, a seq that identifies the request, line
// items, and a note padded so that the whole body is exactly the size asked
// for.
const (
	bodyHead = `{"type":"purchase","seq":`
	bodyMid  = `,"id":"ord-`
	bodyTail = `","total":42.5,"currency":"EUR",` +
		`"customer":{"id":"cus-1042","email":"ada@example.com","name":"Ada Lovelace","country":"GB"},` +
		`"items":[{"sku":"A-1","qty":1,"price":19.5},{"sku":"B-2","qty":2,"price":11.5}],"note":"`
)

// Body appends to dst a JSON order of exactly size bytes (at least
// minBodySize) whose "seq" field is seq, and returns the extended slice.
func Body(dst []byte, seq int64, size int) []byte {
	size = max(size, minBodySize)
	start := len(dst)
	dst = append(dst, bodyHead...)
	dst = strconv.AppendInt(dst, seq, 10)
	dst = append(dst, bodyMid...)
	dst = strconv.AppendInt(dst, seq, 10)
	dst = append(dst, bodyTail...)
	for len(dst)-start < size-2 {
		dst = append(dst, 'x')
	}
	return append(dst, '"', '}')
}

// Signer computes the X-Signature header: the lower-case hex HMAC-SHA256
// of a body (SPEC section 2, scheme hmac-sha256). A Signer is not safe for
// concurrent use; each connection has its own.
type Signer struct {
	mac hash.Hash
	sum []byte
	hex []byte
}

// NewSigner returns a Signer for secret.
func NewSigner(secret string) *Signer {
	return &Signer{mac: hmac.New(sha256.New, []byte(secret)), sum: make([]byte, 0, sha256.Size), hex: make([]byte, 2*sha256.Size)}
}

// Sign returns the hex signature of body. The slice is reused by the next
// call.
func (s *Signer) Sign(body []byte) []byte {
	s.mac.Reset()
	s.mac.Write(body)
	s.sum = s.mac.Sum(s.sum[:0])
	hex.Encode(s.hex, s.sum)
	return s.hex
}
