package webhook_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/lingo-labs/lingo/domain/webhook"
)

// TestSignStandardWebhooksVector checks the signature against the example
// of the Standard Webhooks specification.
func TestSignStandardWebhooksVector(t *testing.T) {
	s := webhook.Secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	got, err := s.Sign("msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
}

func TestSignaturesDuringRotation(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	e := webhook.Endpoint{Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}
	e.Rotate("whsec_QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=", now)
	both, _ := e.Signatures("id", now.Add(23*time.Hour), []byte("{}"))
	one, _ := e.Signatures("id", now.Add(24*time.Hour), []byte("{}"))
	if len(both) <= len(one) || len(one) != len("v1,")+44 {
		t.Fatalf("within the overlap %q, after it %q", both, one)
	}
}

func TestParseURL(t *testing.T) {
	refused := []string{"http://127.0.0.1/", "https://10.0.0.1/", "http://[::1]:80/", "http://169.254.169.254/", "http://192.168.0.1",
		"http://100.64.1.1/", "http://0.0.0.0/", "http://localhost/", "http://api.localhost/", "http://[::ffff:127.0.0.1]/",
		"ftp://example.com/", "example.com/x", "http:///x", "https://user:pw@example.com/", "http://example.com/#frag"}
	for _, u := range refused {
		if _, err := webhook.ParseURL(u, false); err == nil {
			t.Errorf("%s accepted", u)
		}
	}
	for _, u := range []string{"https://hooks.example.com/in", "http://93.184.216.34:8080/x?y=1"} {
		if _, err := webhook.ParseURL(u, false); err != nil {
			t.Errorf("%s refused: %v", u, err)
		}
	}
	if _, err := webhook.ParseURL("http://127.0.0.1:9/", true); err != nil {
		t.Errorf("allowPrivate refused loopback: %v", err)
	}
}

func TestPublicAddr(t *testing.T) {
	for a, want := range map[string]bool{"8.8.8.8": true, "2606:4700::1111": true, "127.0.0.2": false, "fe80::1": false,
		"fd00::1": false, "172.16.5.4": false, "::": false, "224.0.0.1": false} {
		if got := webhook.PublicAddr(netip.MustParseAddr(a)); got != want {
			t.Errorf("PublicAddr(%s) = %v", a, got)
		}
	}
}

func TestParseSubscription(t *testing.T) {
	all, err := webhook.ParseSubscription([]string{"*"})
	if err != nil || !all.Has(webhook.SummaryWeekly) {
		t.Fatal("* takes every type")
	}
	some, err := webhook.ParseSubscription([]string{"user.registered", "user.registered"})
	if err != nil || some.Has(webhook.UserDeleted) || len(some.Names()) != 1 {
		t.Fatal("a list takes only its types, once each")
	}
	for _, bad := range [][]string{{}, {"*", "user.registered"}, {"user.nope"}} {
		if _, err := webhook.ParseSubscription(bad); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}
