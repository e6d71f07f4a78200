package jwt_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	gojwt "github.com/golang-jwt/jwt/v5"

	"github.com/lingo-labs/lingo/adapters/clock"
	"github.com/lingo-labs/lingo/adapters/jwt"
	"github.com/lingo-labs/lingo/domain/account"
	"github.com/lingo-labs/lingo/domain/errs"
)

var t0 = time.Date(2026, 11, 26, 9, 30, 0, 0, time.UTC)

type ids struct{}

func (ids) NewID() string { return "0b8f6c9e-1c1e-4c8a-9a43-4c1f2f5d8e11" }

var secret = []byte("0123456789abcdef0123456789abcdef")

func newIssuer(t *testing.T, c *clock.Fake) *jwt.Issuer {
	t.Helper()
	iss, err := jwt.New(jwt.Config{Secret: secret}, c, ids{})
	if err != nil {
		t.Fatal(err)
	}
	return iss
}

func learner(t *testing.T) account.User {
	t.Helper()
	email, _ := account.ParseEmail("ana@example.com")
	name, _ := account.ParseDisplayName("Ana")
	u, err := account.NewUser("user-1", email, name, "$argon2id$x", account.RoleLearner, t0)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// good are the claims Issue would write; cases change one thing.
func good() gojwt.MapClaims {
	return gojwt.MapClaims{
		"sub": "user-1", "role": "learner", "ver": 1, "jti": "j1",
		"iss": jwt.DefaultIssuer, "aud": []string{jwt.DefaultAudience},
		"iat": t0.Unix(), "exp": t0.Add(15 * time.Minute).Unix(),
	}
}

func sign(t *testing.T, m gojwt.SigningMethod, key any, c gojwt.MapClaims) string {
	t.Helper()
	s, err := gojwt.NewWithClaims(m, c).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func with(change func(gojwt.MapClaims)) gojwt.MapClaims {
	c := good()
	change(c)
	return c
}

func TestIssueThenVerify(t *testing.T) {
	c := clock.NewFake(t0)
	iss := newIssuer(t, c)
	tok, err := iss.Issue(learner(t))
	if err != nil {
		t.Fatal(err)
	}
	if !tok.ExpiresAt.Equal(t0.Add(15*time.Minute)) || tok.TTL != 15*time.Minute {
		t.Fatalf("expiry %v ttl %v", tok.ExpiresAt, tok.TTL)
	}
	c.Set(t0.Add(14 * time.Minute))
	got, err := iss.Verify(tok.Token)
	if err != nil {
		t.Fatal(err)
	}
	if got.UserID != "user-1" || got.Role != account.RoleLearner || got.TokenVersion != 1 || got.TokenID == "" || !got.IssuedAt.Equal(t0) {
		t.Fatalf("claims %+v", got)
	}
	var header map[string]any
	raw, _ := base64.RawURLEncoding.DecodeString(strings.Split(tok.Token, ".")[0])
	_ = json.Unmarshal(raw, &header)
	if header["alg"] != "HS256" {
		t.Fatalf("alg %v, want HS256", header["alg"])
	}
}

func TestVerifyAccepts(t *testing.T) {
	cases := []struct {
		name   string
		now    time.Time
		claims gojwt.MapClaims
	}{
		{"fresh", t0, good()},
		{"expired within the leeway", t0.Add(15*time.Minute + 29*time.Second), good()},
		{"issued slightly in the future (clock skew)", t0.Add(-29 * time.Second), good()},
		{"audience as a single string", t0, with(func(c gojwt.MapClaims) { c["aud"] = jwt.DefaultAudience })},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			iss := newIssuer(t, clock.NewFake(tc.now))
			if _, err := iss.Verify(sign(t, gojwt.SigningMethodHS256, secret, tc.claims)); err != nil {
				t.Fatalf("refused: %v", err)
			}
		})
	}
}

func TestVerifyRefuses(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	valid := sign(t, gojwt.SigningMethodHS256, secret, good())
	parts := strings.Split(valid, ".")
	tamperedPayload := func() string {
		raw, _ := base64.RawURLEncoding.DecodeString(parts[1])
		var m map[string]any
		_ = json.Unmarshal(raw, &m)
		m["role"] = "admin"
		out, _ := json.Marshal(m)
		return parts[0] + "." + base64.RawURLEncoding.EncodeToString(out) + "." + parts[2]
	}()
	noneHeader := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))

	cases := []struct {
		name  string
		now   time.Time
		token string
	}{
		{"alg none", t0, sign(t, gojwt.SigningMethodNone, gojwt.UnsafeAllowNoneSignatureType, good())},
		{"alg none with the old signature kept", t0, noneHeader + "." + parts[1] + "." + parts[2]},
		{"alg none, header only changed", t0, noneHeader + "." + parts[1] + "."},
		{"another HMAC algorithm with the right secret", t0, sign(t, gojwt.SigningMethodHS512, secret, good())},
		{"RS256", t0, sign(t, gojwt.SigningMethodRS256, rsaKey, good())},
		{"wrong secret", t0, sign(t, gojwt.SigningMethodHS256, []byte("another secret of thirty-two b!!"), good())},
		{"tampered payload", t0, tamperedPayload},
		{"tampered signature", t0, parts[0] + "." + parts[1] + "." + strings.Repeat("A", len(parts[2]))},
		{"expired beyond the leeway", t0.Add(15*time.Minute + 31*time.Second), valid},
		{"no expiry", t0, sign(t, gojwt.SigningMethodHS256, secret, with(func(c gojwt.MapClaims) { delete(c, "exp") }))},
		{"issued in the future beyond the leeway", t0.Add(-31 * time.Second), valid},
		{"no issue time", t0, sign(t, gojwt.SigningMethodHS256, secret, with(func(c gojwt.MapClaims) { delete(c, "iat") }))},
		{"wrong issuer", t0, sign(t, gojwt.SigningMethodHS256, secret, with(func(c gojwt.MapClaims) { c["iss"] = "evil" }))},
		{"no issuer", t0, sign(t, gojwt.SigningMethodHS256, secret, with(func(c gojwt.MapClaims) { delete(c, "iss") }))},
		{"wrong audience", t0, sign(t, gojwt.SigningMethodHS256, secret, with(func(c gojwt.MapClaims) { c["aud"] = []string{"other-api"} }))},
		{"no audience", t0, sign(t, gojwt.SigningMethodHS256, secret, with(func(c gojwt.MapClaims) { delete(c, "aud") }))},
		{"no subject", t0, sign(t, gojwt.SigningMethodHS256, secret, with(func(c gojwt.MapClaims) { delete(c, "sub") }))},
		{"unknown role", t0, sign(t, gojwt.SigningMethodHS256, secret, with(func(c gojwt.MapClaims) { c["role"] = "root" }))},
		{"no token version", t0, sign(t, gojwt.SigningMethodHS256, secret, with(func(c gojwt.MapClaims) { delete(c, "ver") }))},
		{"empty", t0, ""},
		{"garbage", t0, "not.a.jwt"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			iss := newIssuer(t, clock.NewFake(tc.now))
			_, err := iss.Verify(tc.token)
			if !errs.Is(err, errs.Unauthorized) || errs.CodeOf(err) != errs.CodeUnauthorized {
				t.Fatalf("got %v, want an unauthorized error", err)
			}
			if tc.token != "" && strings.Contains(err.Error(), tc.token) {
				t.Fatal("the error quotes the token")
			}
		})
	}
}

// TestVerifiedTokensStillExpire checks the cache of verified tokens: a hit
// is checked against the clock again, so a token verified once does not
// outlive its expiry.
func TestVerifiedTokensStillExpire(t *testing.T) {
	c := clock.NewFake(t0)
	iss := newIssuer(t, c)
	tok, err := iss.Issue(learner(t))
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name string
		at   time.Time
		ok   bool
	}{
		{"first check", t0, true},
		{"cached, still valid", t0.Add(10 * time.Minute), true},
		{"cached, within the leeway", t0.Add(15*time.Minute + 29*time.Second), true},
		{"cached, expired", t0.Add(15*time.Minute + 30*time.Second), false},
		{"after expiry, checked afresh", t0.Add(20 * time.Minute), false},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			c.Set(s.at)
			_, err := iss.Verify(tok.Token)
			if (err == nil) != s.ok {
				t.Fatalf("got %v, want ok=%v", err, s.ok)
			}
			if err != nil && !errs.Is(err, errs.Unauthorized) {
				t.Fatalf("kind %v", errs.KindOf(err))
			}
		})
	}
}

// TestRefusalsAreNotCached checks that a token refused once (here: not yet
// valid) is checked afresh later instead of being remembered either way.
func TestRefusalsAreNotCached(t *testing.T) {
	c := clock.NewFake(t0.Add(-time.Minute))
	iss := newIssuer(t, c)
	tok := sign(t, gojwt.SigningMethodHS256, secret, good())
	if _, err := iss.Verify(tok); err == nil {
		t.Fatal("a token issued a minute in the future was accepted")
	}
	c.Set(t0)
	if _, err := iss.Verify(tok); err != nil {
		t.Fatalf("refused once, refused forever: %v", err)
	}
}

func TestOnlyTheConfiguredAlgorithm(t *testing.T) {
	iss, err := jwt.New(jwt.Config{Secret: secret, Algorithm: "HS512"}, clock.NewFake(t0), ids{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := iss.Verify(sign(t, gojwt.SigningMethodHS512, secret, good())); err != nil {
		t.Fatalf("HS512 issuer refused HS512: %v", err)
	}
	if _, err := iss.Verify(sign(t, gojwt.SigningMethodHS256, secret, good())); !errs.Is(err, errs.Unauthorized) {
		t.Fatalf("HS512 issuer took HS256: %v", err)
	}
}

func TestNewRefuses(t *testing.T) {
	cases := []struct {
		name string
		cfg  jwt.Config
	}{
		{"short secret", jwt.Config{Secret: []byte("short")}},
		{"none", jwt.Config{Secret: secret, Algorithm: "none"}},
		{"asymmetric", jwt.Config{Secret: secret, Algorithm: "RS256"}},
		{"negative lifetime", jwt.Config{Secret: secret, TTL: -time.Minute}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := jwt.New(tc.cfg, clock.NewFake(t0), ids{}); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func BenchmarkVerify(b *testing.B) {
	iss, _ := jwt.New(jwt.Config{Secret: secret}, clock.NewFake(t0), ids{})
	email, _ := account.ParseEmail("ana@example.com")
	name, _ := account.ParseDisplayName("Ana")
	u, _ := account.NewUser("user-1", email, name, "$argon2id$x", account.RoleLearner, t0)
	tok, _ := iss.Issue(u)
	for b.Loop() {
		if _, err := iss.Verify(tok.Token); err != nil {
			b.Fatal(err)
		}
	}
}
