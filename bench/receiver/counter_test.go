package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hookflow/hookflow/bench/load"
)

func TestSeqOf(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		body string
		want int64
		ok   bool
	}{
		{`{"seq":42}`, 42, true},
		{`{"a":1, "seq": 7,"b":2}`, 7, true},
		{`{"seq":"x"}`, 0, false},
		{`{"n":1}`, 0, false},
		{`{"seq":99999999999}`, 0, false},
	} {
		got, ok := seqOf([]byte(tc.body))
		if got != tc.want || ok != tc.ok {
			t.Errorf("seqOf(%s) = %d, %v; want %d, %v", tc.body, got, ok, tc.want, tc.ok)
		}
	}
}

func TestCounterVerifiesCountsAndChecks(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(handler(newCounter("s", time.Now), true, 3))
	t.Cleanup(srv.Close)
	signer := load.NewSigner("s")
	post := func(path string, seq int64, sign bool) int {
		body := load.Body(nil, seq, 256)
		req, _ := http.NewRequest("POST", srv.URL+path, bytes.NewReader(body))
		if sign {
			req.Header.Set("X-Signature", string(signer.Sign(body)))
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, p := range []string{"/a", "/b"} {
		for seq := int64(1); seq <= 3; seq++ {
			if code := post(p, seq, true); code != 200 {
				t.Fatalf("signed delivery answered %d", code)
			}
		}
	}
	post("/a", 1, true) // a duplicate
	post("/a", 9, true) // not accepted
	if code := post("/a", 4, false); code != http.StatusUnauthorized {
		t.Fatalf("unsigned delivery answered %d, want 401", code)
	}

	var st Stats
	getJSON(t, srv.URL+"/_bench/stats", nil, &st)
	if st.Deliveries != 8 || st.BadSignature != 1 || st.ByPath["/a"] != 5 || st.LastUnixNano < st.FirstUnixNano || st.FirstUnixNano == 0 {
		t.Errorf("stats: %+v", st)
	}
	var res CheckResult
	getJSON(t, srv.URL+"/_bench/check", CheckRequest{Accepted: []int64{1, 2, 3, 4}, Paths: []string{"/a", "/b", "/c"}}, &res)
	want := CheckResult{Checked: 4, Missing: map[string]int64{"/a": 1, "/b": 1, "/c": 4}, Duplicated: map[string]int64{"/a": 1}, Unexpected: 1}
	if g, w := mustJSON(res), mustJSON(want); g != w {
		t.Errorf("check = %s, want %s", g, w)
	}
}

// getJSON GETs url, or POSTs in as JSON when it is not nil, and decodes
// the answer into out.
func getJSON(t *testing.T, url string, in, out any) {
	t.Helper()
	var resp *http.Response
	var err error
	if in == nil {
		resp, err = http.Get(url)
	} else {
		resp, err = http.Post(url, "application/json", bytes.NewReader([]byte(mustJSON(in))))
	}
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatal(err)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
