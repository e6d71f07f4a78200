package webhookhttp_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lingo-labs/lingo/adapters/webhookhttp"
	"github.com/lingo-labs/lingo/domain/webhook"
)

func endpoint(url string) (webhook.Endpoint, webhook.Delivery) {
	return webhook.Endpoint{ID: "e1", URL: url, Enabled: true, Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},
		webhook.Delivery{ID: "d1", MessageID: "m1", Payload: []byte(`{"type":"user.registered"}`)}
}

// TestPrivateAddressRefusedAtConnect: the URL passes no check here (as one
// that resolved to a public address when saved would), and the dialer
// still refuses the loopback address it resolves to.
func TestPrivateAddressRefusedAtConnect(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer srv.Close()
	s := webhookhttp.New(webhookhttp.Options{Timeout: 5 * time.Second, PerEndpoint: 1})
	for _, u := range []string{srv.URL, strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)} {
		e, d := endpoint(u)
		o := s.Send(context.Background(), e, d, time.Now())
		if o.Success() || !strings.Contains(o.Err, "refused") {
			t.Errorf("%s: outcome %+v, want refused", u, o)
		}
	}
	if hits.Load() != 0 {
		t.Fatalf("the private receiver got %d requests", hits.Load())
	}
}

func TestSendSignsAndReports(t *testing.T) {
	var got http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		w.WriteHeader(202)
	}))
	defer srv.Close()
	s := webhookhttp.New(webhookhttp.Options{AllowPrivate: true, Timeout: 5 * time.Second, PerEndpoint: 1})
	e, d := endpoint(srv.URL)
	at := time.Unix(1614265330, 0)
	o := s.Send(context.Background(), e, d, at)
	if !o.Success() || o.StatusCode != 202 {
		t.Fatalf("outcome %+v", o)
	}
	want, _ := e.Secret.Sign("m1", at, d.Payload)
	if got.Get("webhook-id") != "m1" || got.Get("webhook-timestamp") != "1614265330" || got.Get("webhook-signature") != want ||
		got.Get("Content-Type") != "application/json" {
		t.Fatalf("headers %v", got)
	}
}

func TestSendTimesOutAndDoesNotFollowRedirects(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			select {
			case <-r.Context().Done():
			case <-time.After(2 * time.Second):
			}
			return
		}
		http.Redirect(w, r, "/elsewhere", http.StatusFound)
	}))
	defer srv.Close()
	s := webhookhttp.New(webhookhttp.Options{AllowPrivate: true, Timeout: 100 * time.Millisecond, PerEndpoint: 1})
	e, d := endpoint(srv.URL + "/slow")
	if o := s.Send(context.Background(), e, d, time.Now()); o.Success() || o.Err != "timed out" {
		t.Errorf("slow receiver: %+v", o)
	}
	e, d = endpoint(srv.URL + "/moved")
	if o := s.Send(context.Background(), e, d, time.Now()); o.Success() || o.StatusCode != 302 {
		t.Errorf("redirect: %+v", o)
	}
}

// TestPerEndpointConcurrencyIsBounded: eight attempts at once to one
// endpoint never have more than PerEndpoint requests in flight.
func TestPerEndpointConcurrencyIsBounded(t *testing.T) {
	var inFlight, peak atomic.Int32
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		<-release
		inFlight.Add(-1)
	}))
	defer srv.Close()
	s := webhookhttp.New(webhookhttp.Options{AllowPrivate: true, Timeout: 10 * time.Second, PerEndpoint: 2})
	e, d := endpoint(srv.URL)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() { defer wg.Done(); s.Send(context.Background(), e, d, time.Now()) }()
	}
	for peak.Load() < 2 {
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	if peak.Load() != 2 {
		t.Fatalf("peak in flight %d, want 2", peak.Load())
	}
}
