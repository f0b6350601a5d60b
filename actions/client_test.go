package actions

import (
	"errors"
	"fmt"
	"net/http"
	"syscall"
	"testing"

	"github.com/hookflow/hookflow/engine"
)

func TestNewHTTPClientDefaults(t *testing.T) {
	t.Parallel()
	c := NewHTTPClient(ClientOptions{})
	tr := c.Transport.(*http.Transport)
	if tr.MaxIdleConnsPerHost != 256 || !tr.ForceAttemptHTTP2 || tr.TLSHandshakeTimeout == 0 ||
		tr.ResponseHeaderTimeout == 0 || c.Timeout != 0 {
		t.Fatalf("transport not tuned: %+v", tr)
	}
	// Guarded clients use no environment proxy: the dialer would check the
	// proxy's address instead of the destination's.
	if tr.Proxy != nil {
		t.Fatal("a guarded client uses the environment's proxy")
	}
	all := NewHTTPClient(ClientOptions{Allow: mustAllow(t, "true")}).Transport.(*http.Transport)
	if all.Proxy == nil {
		t.Fatal("an unguarded client ignores the environment's proxy")
	}
}

// TestClientControlHook shows the extra Control hook, run after the guard
// let an address through: a Control that refuses the dialled address fails
// the step at once.
func TestClientControlHook(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, nil)
	var dialled string
	client := NewHTTPClient(ClientOptions{Allow: loopbackOnly, Control: func(network, address string, _ syscall.RawConn) error {
		dialled = address
		return fmt.Errorf("%s is loopback: %w", address, engine.ErrDestinationRefused)
	}})
	def := HTTP(Deps{Client: client})
	p, _ := def.DecodeParams(map[string]any{"url": rc.URL})
	_, err := def.Action.Run(t.Context(), &engine.Step{Item: -1, Params: p})
	if !engine.IsPermanent(err) || !errors.Is(err, engine.ErrDestinationRefused) {
		t.Fatalf("error %v, want a permanent refusal", err)
	}
	if want := "POST " + rc.URL + ": dial tcp " + dialled + ": " + dialled + " is loopback: destination refused by policy"; err.Error() != want {
		t.Fatalf("error\n got %q\nwant %q", err, want)
	}
	if n := len(rc.requests()); n != 0 {
		t.Fatalf("receiver got %d requests", n)
	}
}
