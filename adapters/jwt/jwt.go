// Package jwt is the TokenIssuer made with golang-jwt v5: HMAC-signed access
// tokens carrying sub, role, ver (the user's token version), jti, iat, exp,
// iss and aud.
package jwt

import (
	"errors"
	"fmt"
	"sync"
	"time"

	gojwt "github.com/golang-jwt/jwt/v5"

	"github.com/lingo-labs/lingo/domain/account"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/ports"
)

var _ ports.TokenIssuer = (*Issuer)(nil)

// Config configures the issuer. Zero values take the defaults.
type Config struct {
	// Secret signs and checks tokens; at least 32 bytes.
	Secret []byte
	// Algorithm is HS256 (default), HS384 or HS512. Only this one is
	// accepted when checking, whatever a token's header says.
	Algorithm string
	Issuer    string        // default "lingo"
	Audience  string        // default "lingo-api"
	TTL       time.Duration // default 15 minutes
	// Leeway forgives clock skew between instances on exp and iat
	// (default 30 seconds).
	Leeway time.Duration
}

// Defaults of Config.
const (
	DefaultAlgorithm = "HS256"
	DefaultIssuer    = "lingo"
	DefaultAudience  = "lingo-api"
	DefaultTTL       = 15 * time.Minute
	DefaultLeeway    = 30 * time.Second
	MinSecretLength  = 32
)

// Issuer signs and verifies access tokens.
type Issuer struct {
	cfg    Config
	method gojwt.SigningMethod
	parser *gojwt.Parser
	clock  ports.Clock
	ids    ports.IDGenerator

	// verified remembers tokens that passed every check, keyed by their
	// exact text, so a client's next requests with the same token skip the
	// parse and HMAC (most of the auth middleware's cost). It is sound
	// because a token's text fixes its claims and signature, and the
	// configuration is fixed; only time moves, so expiry is checked again on
	// every hit. It is bounded by dropping everything when full.
	mu       sync.RWMutex
	verified map[string]ports.AccessClaims
}

// maxVerified bounds the cache: about a megabyte per thousand entries at
// most, and far more than the active tokens one instance sees in 15 minutes.
const maxVerified = 10000

// New checks cfg and returns an issuer reading time from clock and making
// token ids with ids.
func New(cfg Config, clock ports.Clock, ids ports.IDGenerator) (*Issuer, error) {
	if cfg.Algorithm == "" {
		cfg.Algorithm = DefaultAlgorithm
	}
	if cfg.Issuer == "" {
		cfg.Issuer = DefaultIssuer
	}
	if cfg.Audience == "" {
		cfg.Audience = DefaultAudience
	}
	if cfg.TTL == 0 {
		cfg.TTL = DefaultTTL
	}
	if cfg.Leeway == 0 {
		cfg.Leeway = DefaultLeeway
	}
	var method gojwt.SigningMethod
	switch cfg.Algorithm {
	case "HS256":
		method = gojwt.SigningMethodHS256
	case "HS384":
		method = gojwt.SigningMethodHS384
	case "HS512":
		method = gojwt.SigningMethodHS512
	default:
		return nil, fmt.Errorf("jwt: algorithm %q is not supported (HS256, HS384, HS512)", cfg.Algorithm)
	}
	switch {
	case len(cfg.Secret) < MinSecretLength:
		return nil, fmt.Errorf("jwt: secret must be at least %d bytes", MinSecretLength)
	case cfg.TTL < 0 || cfg.Leeway < 0:
		return nil, errors.New("jwt: lifetime and leeway must not be negative")
	case clock == nil || ids == nil:
		return nil, errors.New("jwt: clock and id generator are required")
	}
	parser := gojwt.NewParser(
		gojwt.WithValidMethods([]string{method.Alg()}),
		gojwt.WithIssuer(cfg.Issuer),
		gojwt.WithAudience(cfg.Audience),
		gojwt.WithExpirationRequired(),
		gojwt.WithIssuedAt(),
		gojwt.WithLeeway(cfg.Leeway),
		gojwt.WithTimeFunc(clock.Now),
	)
	secret := append([]byte(nil), cfg.Secret...)
	cfg.Secret = secret
	return &Issuer{cfg: cfg, method: method, parser: parser, clock: clock, ids: ids,
		verified: make(map[string]ports.AccessClaims)}, nil
}

// TTL is the lifetime of the tokens this issuer makes.
func (i *Issuer) TTL() time.Duration { return i.cfg.TTL }

type claims struct {
	Role    string `json:"role"`
	Version int    `json:"ver"`
	gojwt.RegisteredClaims
}

// Issue signs a token for u.
func (i *Issuer) Issue(u account.User) (ports.AccessToken, error) {
	now := i.clock.Now().UTC()
	exp := now.Add(i.cfg.TTL)
	c := claims{
		Role:    u.Role().String(),
		Version: u.TokenVersion(),
		RegisteredClaims: gojwt.RegisteredClaims{
			Subject:   u.ID(),
			Issuer:    i.cfg.Issuer,
			Audience:  gojwt.ClaimStrings{i.cfg.Audience},
			IssuedAt:  gojwt.NewNumericDate(now),
			ExpiresAt: gojwt.NewNumericDate(exp),
			ID:        i.ids.NewID(),
		},
	}
	s, err := gojwt.NewWithClaims(i.method, c).SignedString(i.cfg.Secret)
	if err != nil {
		return ports.AccessToken{}, errs.Wrap(errs.Internal, "", fmt.Errorf("jwt: sign: %w", err))
	}
	// NumericDate keeps whole seconds; report the expiry the token states.
	return ports.AccessToken{Token: s, ExpiresAt: c.ExpiresAt.Time.UTC(), TTL: i.cfg.TTL}, nil
}

// Verify checks the token and returns its claims. The parser refuses any
// algorithm but the configured one before it looks at the signature, so
// "none" and an HMAC keyed with a public key never get that far.
func (i *Issuer) Verify(token string) (ports.AccessClaims, error) {
	i.mu.RLock()
	hit, ok := i.verified[token]
	i.mu.RUnlock()
	if ok {
		if !i.clock.Now().Before(hit.ExpiresAt.Add(i.cfg.Leeway)) {
			i.mu.Lock()
			delete(i.verified, token)
			i.mu.Unlock()
			return ports.AccessClaims{}, unauthorized(errors.New("jwt: token is expired"))
		}
		return hit, nil
	}
	out, err := i.verify(token)
	if err != nil {
		return ports.AccessClaims{}, err
	}
	i.mu.Lock()
	if len(i.verified) >= maxVerified {
		clear(i.verified)
	}
	i.verified[token] = out
	i.mu.Unlock()
	return out, nil
}

func (i *Issuer) verify(token string) (ports.AccessClaims, error) {
	var c claims
	_, err := i.parser.ParseWithClaims(token, &c, func(*gojwt.Token) (any, error) { return i.cfg.Secret, nil })
	if err != nil {
		return ports.AccessClaims{}, unauthorized(err)
	}
	role, err := account.ParseRole(c.Role)
	switch {
	case err != nil:
		return ports.AccessClaims{}, unauthorized(errors.New("jwt: unknown role claim"))
	case c.Subject == "":
		return ports.AccessClaims{}, unauthorized(errors.New("jwt: no subject"))
	case c.Version < 1:
		return ports.AccessClaims{}, unauthorized(errors.New("jwt: no token version"))
	case c.IssuedAt == nil:
		return ports.AccessClaims{}, unauthorized(errors.New("jwt: no issue time"))
	}
	return ports.AccessClaims{
		UserID: c.Subject, Role: role, TokenVersion: c.Version, TokenID: c.ID,
		IssuedAt: c.IssuedAt.Time.UTC(), ExpiresAt: c.ExpiresAt.Time.UTC(),
	}, nil
}

// unauthorized classifies a refusal. golang-jwt's messages name the failed
// check (expired, signature invalid) but never quote the token, so the cause
// is safe for logs.
func unauthorized(cause error) error {
	return errs.Wrap(errs.Unauthorized, errs.CodeUnauthorized, cause)
}
