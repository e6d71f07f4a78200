// Package account holds a learner's account as the rules see it: the user,
// their normalised email, display name, role, active flag, the password
// policy (not hashing, which is an adapter's job) and refresh tokens.
package account

import (
	"fmt"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/lingo-labs/lingo/domain/errs"
)

// invalid is a field problem without a path; the caller puts the JSON path
// in front with errs.Prefix, so these rules do not know where a value sits.
func invalid(message string) error {
	return errs.Validation(errs.Field("", message))
}

// MaxEmailLength is the longest address accepted (RFC 5321's path limit).
const MaxEmailLength = 254

// Email is a trimmed, lower-cased, valid address. The zero value is not an
// email; only ParseEmail makes one.
type Email struct{ s string }

// ParseEmail trims and lower-cases s and checks it is one plain address.
// net/mail alone accepts display names, comments, quoted local parts and
// domains without a dot, none of which a sign-up form should take, so the
// checks here are stricter: ASCII only (no internationalised addresses, which
// would need IDNA normalisation to compare safely), a dot-atom local part of
// at most 64 characters and a host name with at least two labels.
func ParseEmail(s string) (Email, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch {
	case s == "":
		return Email{}, invalid("must not be empty")
	case len(s) > MaxEmailLength:
		return Email{}, invalid(fmt.Sprintf("must be at most %d characters", MaxEmailLength))
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f {
			return Email{}, invalid("must be a valid email address")
		}
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Name != "" || addr.Address != s {
		return Email{}, invalid("must be a valid email address")
	}
	at := strings.LastIndexByte(s, '@')
	local, domain := s[:at], s[at+1:]
	if !validLocal(local) || !validDomain(domain) {
		return Email{}, invalid("must be a valid email address")
	}
	return Email{s: s}, nil
}

func validLocal(local string) bool {
	if local == "" || len(local) > 64 || local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
		return false
	}
	for i := 0; i < len(local); i++ {
		c := local[i]
		if !isAlnum(c) && !strings.ContainsRune("!#$%&'*+/=?^_`{|}~.-", rune(c)) {
			return false
		}
	}
	return true
}

func validDomain(domain string) bool {
	if len(domain) > 253 {
		return false
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			if !isAlnum(l[i]) && l[i] != '-' {
				return false
			}
		}
	}
	tld := labels[len(labels)-1]
	if len(tld) < 2 {
		return false
	}
	for i := 0; i < len(tld); i++ { // an all-digit last label is an IP address, not a host
		if tld[i] < '0' || tld[i] > '9' {
			return true
		}
	}
	return false
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
}

func (e Email) String() string { return e.s }
func (e Email) IsZero() bool   { return e.s == "" }

// DisplayName is what other people see: 1 to 50 characters after trimming,
// no control characters.
type DisplayName struct{ s string }

// MaxDisplayNameLength counts characters (runes), not bytes.
const MaxDisplayNameLength = 50

// ParseDisplayName trims s and checks the length and characters. The
// bidirectional embedding, override and isolate characters are refused with
// the control characters, since they can make one name read as another;
// other format characters stay allowed, because joiners are part of emoji
// sequences and of Persian and Indic spelling.
func ParseDisplayName(s string) (DisplayName, error) {
	return parseDisplayName(s, true)
}

// parseDisplayName is ParseDisplayName; RestoreUser passes visible=false,
// for a name stored before the visible-character rule must still load.
func parseDisplayName(s string, needVisible bool) (DisplayName, error) {
	if !utf8.ValidString(s) {
		return DisplayName{}, invalid("must be valid UTF-8")
	}
	s = strings.TrimSpace(s)
	n := utf8.RuneCountInString(s)
	switch {
	case n == 0:
		return DisplayName{}, invalid("must not be empty")
	case n > MaxDisplayNameLength:
		return DisplayName{}, invalid(fmt.Sprintf("must be at most %d characters", MaxDisplayNameLength))
	}
	visible := false
	for _, r := range s {
		if unicode.IsControl(r) || r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069 {
			return DisplayName{}, invalid("must not contain control characters")
		}
		visible = visible || isVisible(r)
	}
	if needVisible && !visible {
		return DisplayName{}, invalid("must hold at least one visible character")
	}
	return DisplayName{s: s}, nil
}

// isVisible reports whether r draws something by itself: a letter, digit,
// punctuation mark or symbol. Spaces, format characters (the zero-width
// space, joiners), combining marks alone and the few letters Unicode draws
// blank (the Hangul fillers, the braille blank) do not, so a name made only
// of them would show as nothing.
func isVisible(r rune) bool {
	switch r {
	case 0x115F, 0x1160, 0x3164, 0xFFA0, 0x2800:
		return false
	}
	return unicode.In(r, unicode.L, unicode.N, unicode.P, unicode.S)
}

func (d DisplayName) String() string { return d.s }
func (d DisplayName) IsZero() bool   { return d.s == "" }

// Role says what a user may do. The zero value is not a role.
type Role int

const (
	RoleLearner Role = iota + 1
	RoleAdmin
)

// ParseRole reads the exact lower-case names "learner" and "admin".
func ParseRole(s string) (Role, error) {
	switch s {
	case "learner":
		return RoleLearner, nil
	case "admin":
		return RoleAdmin, nil
	}
	return 0, invalid(`must be one of "learner", "admin"`)
}

func (r Role) String() string {
	switch r {
	case RoleLearner:
		return "learner"
	case RoleAdmin:
		return "admin"
	}
	return fmt.Sprintf("Role(%d)", int(r))
}

// Valid reports whether r is one of the defined roles.
func (r Role) Valid() bool { return r == RoleLearner || r == RoleAdmin }

// Password policy: length in characters (runes), so that a passphrase in any
// script gets the same allowance.
const (
	MinPasswordLength = 8
	MaxPasswordLength = 128
)

// Password is a plaintext password that meets the policy. It never prints
// itself: String, GoString and Format redact, so a stray log call or %v
// cannot leak it. Reveal hands the text to the hasher.
type Password struct{ s string }

// ParsePassword checks the policy; nothing is trimmed, every character counts.
func ParsePassword(s string) (Password, error) {
	if !utf8.ValidString(s) {
		return Password{}, invalid("must be valid UTF-8")
	}
	n := utf8.RuneCountInString(s)
	if n < MinPasswordLength || n > MaxPasswordLength {
		return Password{}, invalid(fmt.Sprintf("must be between %d and %d characters", MinPasswordLength, MaxPasswordLength))
	}
	return Password{s: s}, nil
}

// Reveal returns the plaintext. Only a password hasher should call it.
func (p Password) Reveal() string { return p.s }

func (p Password) String() string   { return "[redacted]" }
func (p Password) GoString() string { return "account.Password{[redacted]}" }

// Format makes every fmt verb print the redacted form.
func (p Password) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte("[redacted]")) }

// IsZero reports whether p was never parsed.
func (p Password) IsZero() bool { return p.s == "" }
