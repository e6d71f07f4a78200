package account_test

import (
	"encoding/base64"
	"testing"
	"time"

	"github.com/lingo-labs/lingo/domain/account"
)

func TestNewRefreshToken(t *testing.T) {
	tok, secret, err := account.NewRefreshToken("r1", "u1", "f1", "", t0, 30*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.RawURLEncoding.DecodeString(secret)
	if err != nil || len(raw) != 32 {
		t.Fatalf("secret %q is not 32 bytes of base64url: %v", secret, err)
	}
	if tok.Hash() != account.HashRefreshSecret(secret) || len(tok.Hash()) != 64 || tok.Hash() == secret {
		t.Fatalf("hash %q does not match the secret", tok.Hash())
	}
	if !tok.ExpiresAt().Equal(t0.Add(30 * 24 * time.Hour)) {
		t.Fatalf("expires %v", tok.ExpiresAt())
	}
	_, other, _ := account.NewRefreshToken("r2", "u1", "f1", "r1", t0, time.Hour)
	if other == secret {
		t.Fatal("two tokens share a secret")
	}
}

func TestNewRefreshTokenRefuses(t *testing.T) {
	cases := []struct {
		name, id, user, family string
		ttl                    time.Duration
	}{
		{"no id", "", "u", "f", time.Hour},
		{"no user", "r", "", "f", time.Hour},
		{"no family", "r", "u", "", time.Hour},
		{"no lifetime", "r", "u", "f", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, _, err := account.NewRefreshToken(c.id, c.user, c.family, "", t0, c.ttl); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestRefreshState(t *testing.T) {
	tok, _, err := account.NewRefreshToken("r1", "u1", "f1", "", t0, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	at := func(s account.RefreshSnapshot) account.RefreshToken {
		t.Helper()
		r, err := account.RestoreRefreshToken(s)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	base := tok.Snapshot()
	spent, revoked, both := base, base, base
	spent.SpentAt = t0.Add(time.Minute)
	revoked.RevokedAt = t0.Add(time.Minute)
	both.SpentAt, both.RevokedAt = t0.Add(time.Minute), t0.Add(2*time.Minute)
	cases := []struct {
		name string
		tok  account.RefreshToken
		now  time.Time
		want account.RefreshState
	}{
		{"fresh", tok, t0, account.RefreshActive},
		{"just before expiry", tok, t0.Add(time.Hour - time.Nanosecond), account.RefreshActive},
		{"at expiry", tok, t0.Add(time.Hour), account.RefreshExpired},
		{"spent", at(spent), t0.Add(2 * time.Minute), account.RefreshSpent},
		{"revoked", at(revoked), t0.Add(2 * time.Minute), account.RefreshRevoked},
		{"spent then revoked is still reuse", at(both), t0.Add(3 * time.Minute), account.RefreshSpent},
		{"spent and expired is still reuse", at(spent), t0.Add(2 * time.Hour), account.RefreshSpent},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.tok.State(c.now); got != c.want {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestRestoreRefreshTokenRefusesIncompleteRows(t *testing.T) {
	tok, _, _ := account.NewRefreshToken("r1", "u1", "f1", "", t0, time.Hour)
	cases := []struct {
		name   string
		break_ func(s *account.RefreshSnapshot)
	}{
		{"no id", func(s *account.RefreshSnapshot) { s.ID = "" }},
		{"short hash", func(s *account.RefreshSnapshot) { s.Hash = "abc" }},
		{"no user", func(s *account.RefreshSnapshot) { s.UserID = "" }},
		{"no family", func(s *account.RefreshSnapshot) { s.FamilyID = "" }},
		{"no expiry", func(s *account.RefreshSnapshot) { s.ExpiresAt = time.Time{} }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := tok.Snapshot()
			c.break_(&s)
			if _, err := account.RestoreRefreshToken(s); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}
