package signature

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func BenchmarkVerifyHMAC(b *testing.B) {
	body := []byte(strings.Repeat("a", 1024))
	v := &Verifier{Scheme: HMACSHA256, Secret: "benchmark secret"}
	h := http.Header{"X-Signature": {SignHex(v.Secret, body)}}
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if err := v.Verify(h, body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	body := []byte(strings.Repeat("a", 1024))
	const now = 1700000000
	for _, scheme := range Schemes() {
		b.Run(string(scheme), func(b *testing.B) {
			v := &Verifier{Scheme: scheme, Secret: "whsec_YmVuY2htYXJrIHNlY3JldA==", Now: clock(now)}
			h, err := v.Sign("msg_bench", time.Unix(now, 0), body)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				if err := v.Verify(h, body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkHeaders(b *testing.B) {
	body := []byte(strings.Repeat("a", 1024))
	ts := time.Unix(1700000000, 0)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Headers("whsec_YmVuY2htYXJrIHNlY3JldA==", "msg_bench", ts, body); err != nil {
			b.Fatal(err)
		}
	}
}
