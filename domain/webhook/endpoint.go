package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"
)

// SecretPrefix starts every secret, as Standard Webhooks suggests.
const SecretPrefix = "whsec_"

// RotationOverlap is how long deliveries are signed with the old secret as
// well after a rotation.
const RotationOverlap = 24 * time.Hour

// Secret is an endpoint's signing secret: "whsec_" and base64 of its key.
type Secret string

// NewSecret makes a secret of 32 random bytes from the caller.
func NewSecret(key []byte) (Secret, error) {
	if len(key) < 24 {
		return "", errors.New("secret key under 24 bytes")
	}
	return Secret(SecretPrefix + base64.StdEncoding.EncodeToString(key)), nil
}

// Key is the secret's decoded bytes, which sign.
func (s Secret) Key() ([]byte, error) {
	return base64.StdEncoding.DecodeString(strings.TrimPrefix(string(s), SecretPrefix))
}

// Sign is the Standard Webhooks signature "v1,<base64 HMAC-SHA256>" keyed
// with the secret's bytes over "{id}.{timestamp}.{body}".
func (s Secret) Sign(id string, at time.Time, body []byte) (string, error) {
	key, err := s.Key()
	if err != nil {
		return "", err
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + strconv.FormatInt(at.Unix(), 10) + "."))
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)), nil
}

// Subscription is the event types an endpoint receives: every one ("*") or a list.
type Subscription struct {
	all   bool
	types []EventType
}

// ParseSubscription reads ["*"] or a non-empty list of known types.
func ParseSubscription(names []string) (Subscription, error) {
	if len(names) == 0 {
		return Subscription{}, errors.New("must list at least one event type, or \"*\"")
	}
	if len(names) == 1 && names[0] == "*" {
		return Subscription{all: true}, nil
	}
	var s Subscription
	for _, n := range names {
		t, err := ParseEventType(n)
		if err != nil {
			return Subscription{}, errors.New("unknown event type " + strconv.Quote(n) + " (\"*\" must stand alone)")
		}
		if !s.Has(t) {
			s.types = append(s.types, t)
		}
	}
	return s, nil
}

// Has reports whether the subscription takes t.
func (s Subscription) Has(t EventType) bool {
	if s.all {
		return true
	}
	for _, x := range s.types {
		if x == t {
			return true
		}
	}
	return false
}

// Names is the subscription as the API shows it.
func (s Subscription) Names() []string {
	if s.all {
		return []string{"*"}
	}
	out := make([]string, len(s.types))
	for i, t := range s.types {
		out[i] = string(t)
	}
	return out
}

// Endpoint is a receiver an admin registered.
type Endpoint struct {
	ID                  string
	URL                 string
	Types               Subscription
	Description         string
	Enabled             bool
	Secret              Secret
	PreviousSecret      Secret
	PreviousSecretUntil time.Time
	CreatedAt           time.Time
	UpdatedAt           time.Time
}

// Signatures is the webhook-signature header of one attempt at instant at:
// the current secret's, and the previous one's while the overlap lasts.
func (e Endpoint) Signatures(id string, at time.Time, body []byte) (string, error) {
	sig, err := e.Secret.Sign(id, at, body)
	if err != nil {
		return "", err
	}
	if e.PreviousSecret != "" && at.Before(e.PreviousSecretUntil) {
		old, err := e.PreviousSecret.Sign(id, at, body)
		if err != nil {
			return "", err
		}
		sig += " " + old
	}
	return sig, nil
}

// Rotate replaces the secret, keeping the old one for RotationOverlap.
func (e *Endpoint) Rotate(s Secret, now time.Time) {
	e.PreviousSecret, e.PreviousSecretUntil = e.Secret, now.Add(RotationOverlap)
	e.Secret, e.UpdatedAt = s, now
}
