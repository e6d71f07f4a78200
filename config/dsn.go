package config

import (
	"encoding/json"
	"net/url"
	"sort"
	"strings"
)

// redactedValue replaces a secret in a logged connection string.
const redactedValue = "[redacted]"

// secretDSNKeys are the libpq parameters whose values are secrets: the
// password and the passphrase of the client key (sslpassword).
var secretDSNKeys = map[string]bool{"password": true, "sslpassword": true}

// RedactDSN hides every secret of a connection string in either libpq form:
// a URL (the userinfo password and the password and sslpassword query
// parameters, whatever their letter case or percent-encoding) or key=value
// pairs (spaces around "=" allowed, values quoted with ' and escaped with \).
// A key=value string it cannot read is redacted whole, since it cannot tell
// where a secret would end.
func RedactDSN(dsn string) string {
	if isURLDSN(dsn) {
		return redactURLDSN(dsn)
	}
	pairs, ok := parseKeyValueDSN(dsn)
	if !ok {
		return redactedValue
	}
	var b strings.Builder
	last := 0
	for _, p := range pairs {
		if secretDSNKeys[p.key] {
			b.WriteString(dsn[last:p.start])
			b.WriteString(redactedValue)
			last = p.end
		}
	}
	b.WriteString(dsn[last:])
	return b.String()
}

// DSNSecrets lists the secret values of a connection string, each as written
// and as the driver reads it (unquoted, unescaped, percent-decoded), longest
// first, so a log filter can replace them wherever a driver echoes them.
func DSNSecrets(dsn string) []string {
	seen := map[string]bool{}
	add := func(vs ...string) {
		for _, v := range vs {
			if v != "" {
				seen[v] = true
			}
		}
	}
	if isURLDSN(dsn) {
		user, query := splitURLDSN(dsn)
		if _, pw, ok := strings.Cut(user, ":"); ok {
			dec, _ := url.PathUnescape(pw)
			add(pw, dec)
		}
		for _, kv := range strings.Split(query, "&") {
			k, v, _ := strings.Cut(kv, "=")
			if key, _ := url.QueryUnescape(k); secretDSNKeys[strings.ToLower(key)] {
				dec, _ := url.QueryUnescape(v)
				add(v, dec)
			}
		}
	} else if pairs, ok := parseKeyValueDSN(dsn); ok {
		for _, p := range pairs {
			if secretDSNKeys[p.key] {
				add(dsn[p.start:p.end], p.value)
			}
		}
	}
	out := make([]string, 0, len(seen))
	for v := range seen {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

func isURLDSN(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// splitURLDSN returns the userinfo and the query of a URL connection string.
// The userinfo ends at the last "@" before the path, so an unencoded "@" in
// a password still counts as the password's.
func splitURLDSN(dsn string) (userinfo, query string) {
	rest := dsn[strings.Index(dsn, "://")+3:]
	if i := strings.IndexByte(rest, '#'); i >= 0 {
		rest = rest[:i]
	}
	head := rest
	if q := strings.IndexByte(rest, '?'); q >= 0 {
		head, query = rest[:q], rest[q+1:]
	}
	if at := strings.LastIndexByte(head, '@'); at >= 0 {
		userinfo = head[:at]
	} else if at := strings.LastIndexByte(rest, '@'); at >= 0 && strings.Contains(rest[:at], ":") && !strings.Contains(rest[:at], "/") {
		// An unencoded "?" in the password: the "@" comes after it.
		userinfo, query = rest[:at], ""
		if q := strings.IndexByte(rest[at:], '?'); q >= 0 {
			query = rest[at+q+1:]
		}
	}
	return userinfo, query
}

func redactURLDSN(dsn string) string {
	user, query := splitURLDSN(dsn)
	scheme := dsn[:strings.Index(dsn, "://")+3]
	out := dsn
	if name, _, ok := strings.Cut(user, ":"); ok {
		out = scheme + name + ":" + redactedValue + dsn[len(scheme)+len(user):]
	}
	if query == "" {
		return out
	}
	parts := strings.Split(query, "&")
	for i, kv := range parts {
		k, _, _ := strings.Cut(kv, "=")
		if key, _ := url.QueryUnescape(k); secretDSNKeys[strings.ToLower(key)] {
			parts[i] = k + "=" + redactedValue
		}
	}
	q := strings.LastIndex(out, query)
	return out[:q] + strings.Join(parts, "&") + out[q+len(query):]
}

// kvPair is one key=value of a libpq connection string; start and end span
// the value as written (quotes included), value is what it means.
type kvPair struct {
	key        string
	value      string
	start, end int
}

// parseKeyValueDSN reads a libpq key=value string: keys and "=" may be
// surrounded by spaces; a value is either quoted with ' (\' and \\ escape)
// or runs to the next space (\ escapes there too). ok is false for anything
// else.
func parseKeyValueDSN(s string) ([]kvPair, bool) {
	var out []kvPair
	isSpace := func(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' }
	i := 0
	for {
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		if i == len(s) {
			return out, true
		}
		k := i
		for i < len(s) && s[i] != '=' && !isSpace(s[i]) {
			i++
		}
		key := strings.ToLower(s[k:i])
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		if key == "" || i == len(s) || s[i] != '=' {
			return nil, false
		}
		i++
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		p := kvPair{key: key, start: i}
		var v strings.Builder
		if i < len(s) && s[i] == '\'' {
			i++
			closed := false
			for i < len(s) {
				c := s[i]
				if c == '\\' && i+1 < len(s) {
					v.WriteByte(s[i+1])
					i += 2
					continue
				}
				i++
				if c == '\'' {
					closed = true
					break
				}
				v.WriteByte(c)
			}
			if !closed {
				return nil, false
			}
		} else {
			for i < len(s) && !isSpace(s[i]) {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				v.WriteByte(s[i])
				i++
			}
		}
		p.end, p.value = i, v.String()
		out = append(out, p)
	}
}

// minSecretLen is the shortest secret Redactor replaces by value: a shorter
// one (a three-letter password) would turn up inside unrelated words and make
// the logs unreadable; connection strings are still redacted by structure.
const minSecretLen = 4

// Redactor removes the configuration's secrets from text bound for a log or
// an error message: the DSN as a whole (replaced by RedactDSN's form) and
// then each secret value on its own (the DSN's password and sslpassword, the
// Redis password, the JWT secret, the bootstrap admin's password), since a
// driver may echo a DSN in a form of its own.
type Redactor struct{ r *strings.Replacer }

// NewRedactor returns the redactor of c's secrets.
func NewRedactor(c Config) *Redactor {
	var pairs []string
	if dsn := c.Database.DSN; dsn != "" {
		if red := RedactDSN(dsn); red != dsn {
			pairs = append(pairs, dsn, red)
		}
	}
	secrets := append(DSNSecrets(c.Database.DSN), c.Redis.Password, c.Auth.JWTSecret, c.Admin.Password)
	sort.SliceStable(secrets, func(i, j int) bool { return len(secrets[i]) > len(secrets[j]) })
	for _, s := range secrets {
		if len(s) < minSecretLen {
			continue
		}
		pairs = append(pairs, s, redactedValue)
		// A structured log field is JSON: the secret may appear escaped.
		if b, err := json.Marshal(s); err == nil && string(b[1:len(b)-1]) != s {
			pairs = append(pairs, string(b[1:len(b)-1]), redactedValue)
		}
	}
	if len(pairs) == 0 {
		return &Redactor{}
	}
	return &Redactor{r: strings.NewReplacer(pairs...)}
}

// Redact returns s with every secret replaced.
func (r *Redactor) Redact(s string) string {
	if r == nil || r.r == nil {
		return s
	}
	return r.r.Replace(s)
}
