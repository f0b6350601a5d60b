package main

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"sync"
	"time"
)

// maxSeq bounds the seqs tracked per path (the tables grow to the largest
// seq seen); a delivery with a larger seq is counted without one.
const maxSeq = 1 << 26

// counter counts deliveries by path and seq, and the time of the first and
// last one. It is safe for concurrent use.
type counter struct {
	secret []byte
	now    func() time.Time
	macs   sync.Pool // of hash.Hash, when secret is set

	mu     sync.Mutex
	total  int64
	bad    int64
	noSeq  int64
	first  time.Time
	last   time.Time
	byPath map[string][]uint8 // path → deliveries per seq (saturating at 255)
}

// newCounter returns an empty counter that verifies signatures with secret
// unless it is empty.
func newCounter(secret string, now func() time.Time) *counter {
	c := &counter{secret: []byte(secret), now: now, byPath: map[string][]uint8{}}
	c.macs.New = func() any { return hmac.New(sha256.New, c.secret) }
	return c
}

// deliver counts one delivery of body to path, and reports false (without
// counting it as a delivery) when its signature is wrong.
func (c *counter) deliver(path string, body []byte, sig string) bool {
	ok := c.verify(body, sig)
	seq, hasSeq := seqOf(body)
	at := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if !ok {
		c.bad++
		return false
	}
	if c.total == 0 {
		c.first = at
	}
	c.total++
	c.last = at
	if !hasSeq {
		c.noSeq++
		return true
	}
	seen := c.byPath[path]
	if int(seq) >= len(seen) {
		seen = append(seen, make([]uint8, int(seq)+1-len(seen)+len(seen)/2)...)
		c.byPath[path] = seen
	}
	if seen[seq] < 255 {
		seen[seq]++
	}
	return true
}

// verify reports whether sig is the hex HMAC-SHA256 of body; true when the
// counter has no secret.
func (c *counter) verify(body []byte, sig string) bool {
	if len(c.secret) == 0 {
		return true
	}
	want, err := hex.DecodeString(sig)
	if err != nil {
		return false
	}
	m := c.macs.Get().(hash.Hash)
	defer c.macs.Put(m)
	m.Reset()
	m.Write(body)
	var sum [sha256.Size]byte
	return hmac.Equal(m.Sum(sum[:0]), want)
}

// seqKey is how a body carries its seq.
var seqKey = []byte(`"seq":`)

// seqOf returns the non-negative integer after the first "seq": in body.
// It does not parse the JSON: deliveries are counted at full speed.
func seqOf(body []byte) (int64, bool) {
	i := bytes.Index(body, seqKey)
	if i < 0 {
		return 0, false
	}
	rest := bytes.TrimLeft(body[i+len(seqKey):], " ")
	var n int64
	digits := 0
	for _, b := range rest {
		if b < '0' || b > '9' {
			break
		}
		n = n*10 + int64(b-'0')
		digits++
		if n >= maxSeq {
			return 0, false
		}
	}
	return n, digits > 0
}

// Stats is what the counter has counted.
type Stats struct {
	// Deliveries were answered 200; BadSignature were refused with 401;
	// NoSeq of the deliveries carried no seq.
	Deliveries   int64 `json:"deliveries"`
	BadSignature int64 `json:"bad_signature"`
	NoSeq        int64 `json:"no_seq"`
	// FirstUnixNano and LastUnixNano are when the first and the last
	// delivery arrived; 0 before any.
	FirstUnixNano int64 `json:"first_unix_nano"`
	LastUnixNano  int64 `json:"last_unix_nano"`
	// ByPath counts deliveries per path.
	ByPath map[string]int64 `json:"by_path"`
}

// Stats returns the counts so far.
func (c *counter) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := Stats{Deliveries: c.total, BadSignature: c.bad, NoSeq: c.noSeq, ByPath: map[string]int64{}}
	if c.total > 0 {
		s.FirstUnixNano, s.LastUnixNano = c.first.UnixNano(), c.last.UnixNano()
	}
	for p, seen := range c.byPath {
		var n int64
		for _, k := range seen {
			n += int64(k)
		}
		s.ByPath[p] = n
	}
	return s
}

// CheckRequest asks which accepted seqs were not delivered to each path.
type CheckRequest struct {
	Accepted []int64  `json:"accepted"`
	Paths    []string `json:"paths"`
}

// CheckResult says, per path, how many accepted seqs were never delivered
// (Missing) and how many were delivered more than once (Duplicated), and
// how many deliveries carried a seq that was not accepted (Unexpected).
type CheckResult struct {
	Checked    int              `json:"checked"`
	Missing    map[string]int64 `json:"missing"`
	Duplicated map[string]int64 `json:"duplicated"`
	Unexpected int64            `json:"unexpected"`
}

// Check compares the deliveries with the accepted seqs.
func (c *counter) Check(req CheckRequest) CheckResult {
	c.mu.Lock()
	defer c.mu.Unlock()
	res := CheckResult{Checked: len(req.Accepted), Missing: map[string]int64{}, Duplicated: map[string]int64{}}
	accepted := make(map[int64]bool, len(req.Accepted))
	for _, s := range req.Accepted {
		accepted[s] = true
	}
	for _, p := range req.Paths {
		seen := c.byPath[p]
		for s := range accepted {
			switch n := countAt(seen, s); {
			case n == 0:
				res.Missing[p]++
			case n > 1:
				res.Duplicated[p]++
			}
		}
	}
	for _, seen := range c.byPath {
		for s, n := range seen {
			if n > 0 && !accepted[int64(s)] {
				res.Unexpected += int64(n)
			}
		}
	}
	return res
}

// countAt is seen[s], or 0 outside seen.
func countAt(seen []uint8, s int64) uint8 {
	if s < 0 || s >= int64(len(seen)) {
		return 0
	}
	return seen[s]
}

// Reset forgets everything counted.
func (c *counter) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.total, c.bad, c.noSeq = 0, 0, 0
	c.first, c.last = time.Time{}, time.Time{}
	c.byPath = map[string][]uint8{}
}
