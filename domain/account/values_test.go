package account_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/lingo-labs/lingo/domain/account"
	"github.com/lingo-labs/lingo/domain/errs"
)

func TestParseEmailAccepts(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"plain", "ana@example.com", "ana@example.com"},
		{"trimmed and lower-cased", "  Ana.Maria@Example.COM\t", "ana.maria@example.com"},
		{"plus tag", "ana+lingo@mail.example.org", "ana+lingo@mail.example.org"},
		{"hyphenated domain", "a@my-school.example", "a@my-school.example"},
		{"longest allowed", strings.Repeat("a", 64) + "@" + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 57) + ".com", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := account.ParseEmail(c.in)
			if err != nil {
				t.Fatalf("ParseEmail(%q): %v", c.in, err)
			}
			want := c.want
			if want == "" {
				want = c.in
			}
			if got.String() != want {
				t.Fatalf("got %q, want %q", got, want)
			}
			if len(got.String()) > account.MaxEmailLength {
				t.Fatalf("accepted %d characters", len(got.String()))
			}
		})
	}
}

func TestParseEmailRefuses(t *testing.T) {
	cases := []struct{ name, in string }{
		{"empty", ""},
		{"blank", "   "},
		{"no at", "ana.example.com"},
		{"no domain dot", "ana@localhost"},
		{"display name", "Ana <ana@example.com>"},
		{"angle brackets", "<ana@example.com>"},
		{"comment", "ana@example.com (Ana)"},
		{"quoted local part", `"ana maria"@example.com`},
		{"inner space", "ana maria@example.com"},
		{"two ats", "ana@@example.com"},
		{"leading dot", ".ana@example.com"},
		{"double dot", "ana..maria@example.com"},
		{"trailing dot in domain", "ana@example.com."},
		{"hyphen at label start", "ana@-example.com"},
		{"underscore in domain", "ana@ex_ample.com"},
		{"ip literal", "ana@[127.0.0.1]"},
		{"numeric tld", "ana@127.0.0.1"},
		{"one-letter tld", "ana@example.c"},
		{"non-ascii", "anä@example.com"},
		{"control character", "ana\x00@example.com"},
		{"local part over 64", strings.Repeat("a", 65) + "@example.com"},
		{"over 254", strings.Repeat("a", 64) + "@" + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 58) + ".com"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := account.ParseEmail(c.in)
			if err == nil {
				t.Fatalf("ParseEmail(%q) accepted", c.in)
			}
			if !errs.Is(err, errs.Invalid) {
				t.Fatalf("kind %v, want invalid", errs.KindOf(err))
			}
		})
	}
}

func TestParseEmailErrorTakesAPrefix(t *testing.T) {
	_, err := account.ParseEmail("nope")
	e, ok := errs.As(errs.Prefix("email", err))
	if !ok || len(e.Fields) != 1 || e.Fields[0].Field != "email" {
		t.Fatalf("got %#v", err)
	}
}

func TestParseDisplayName(t *testing.T) {
	accept := []struct{ name, in, want string }{
		{"plain", "Ana", "Ana"},
		{"trimmed", "  Ana María  ", "Ana María"},
		{"fifty runes of a wide script", strings.Repeat("語", 50), strings.Repeat("語", 50)},
		{"one character", "x", "x"},
		{"emoji joined by zero-width joiners", "Ana 👩‍👩‍👧", "Ana 👩‍👩‍👧"},
		{"persian with a zero-width non-joiner", "می‌خواهم", "می‌خواهم"},
		{"a single emoji", "🦉", "🦉"},
		{"digits only", "42", "42"},
	}
	for _, c := range accept {
		t.Run("accepts "+c.name, func(t *testing.T) {
			got, err := account.ParseDisplayName(c.in)
			if err != nil {
				t.Fatal(err)
			}
			if got.String() != c.want {
				t.Fatalf("got %q, want %q", got, c.want)
			}
		})
	}
	refuse := []struct{ name, in string }{
		{"empty", ""},
		{"only spaces", " \t "},
		{"fifty-one runes", strings.Repeat("a", 51)},
		{"newline inside", "Ana\nMaria"},
		{"escape character", "Ana\x1b[31m"},
		{"bidi override", "Ana\u202egnp"},
		{"bidi isolate", "Ana\u2067x"},
		{"invalid utf-8", "Ana\xff"},
		{"only a zero-width space", "\u200b"},
		{"zero-width characters and spaces", "\u200b \u200d\u2060 \ufeff"},
		{"ideographic and no-break spaces", "\u3000\u00a0"},
		{"a combining mark alone", "\u0301"},
		{"hangul filler", "\u3164"},
		{"braille blank", "\u2800\u2800"},
	}
	for _, c := range refuse {
		t.Run("refuses "+c.name, func(t *testing.T) {
			if _, err := account.ParseDisplayName(c.in); !errs.Is(err, errs.Invalid) {
				t.Fatalf("ParseDisplayName(%q) = %v, want an invalid error", c.in, err)
			}
		})
	}
}

func TestParseRole(t *testing.T) {
	for _, c := range []struct {
		in   string
		want account.Role
	}{{"learner", account.RoleLearner}, {"admin", account.RoleAdmin}} {
		t.Run(c.in, func(t *testing.T) {
			got, err := account.ParseRole(c.in)
			if err != nil || got != c.want || got.String() != c.in {
				t.Fatalf("got %v, %v", got, err)
			}
		})
	}
	for _, in := range []string{"", "Admin", "ADMIN", "root", " learner"} {
		t.Run("refuses "+in, func(t *testing.T) {
			if _, err := account.ParseRole(in); !errs.Is(err, errs.Invalid) {
				t.Fatalf("ParseRole(%q) accepted", in)
			}
		})
	}
	var zero account.Role
	if zero.Valid() {
		t.Fatal("the zero role must not be valid")
	}
}

func TestParsePassword(t *testing.T) {
	accept := []struct{ name, in string }{
		{"eight ascii", "abcdefgh"},
		{"eight runes of many bytes", "пароль12"},
		{"128 runes", strings.Repeat("ü", 128)},
		{"spaces count and are kept", "  pass  "},
	}
	for _, c := range accept {
		t.Run("accepts "+c.name, func(t *testing.T) {
			p, err := account.ParsePassword(c.in)
			if err != nil {
				t.Fatal(err)
			}
			if p.Reveal() != c.in {
				t.Fatalf("Reveal changed the password")
			}
		})
	}
	refuse := []struct{ name, in string }{
		{"empty", ""},
		{"seven", "abcdefg"},
		{"129 runes", strings.Repeat("a", 129)},
		{"invalid utf-8", "abcdefg\xff"},
	}
	for _, c := range refuse {
		t.Run("refuses "+c.name, func(t *testing.T) {
			if _, err := account.ParsePassword(c.in); !errs.Is(err, errs.Invalid) {
				t.Fatalf("ParsePassword(%q) accepted", c.in)
			}
		})
	}
}

func TestPasswordNeverPrints(t *testing.T) {
	p, err := account.ParsePassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		t.Run(verb, func(t *testing.T) {
			out := fmt.Sprintf(verb, p)
			if strings.Contains(out, "horse") || strings.Contains(out, fmt.Sprintf("%x", "correct")) {
				t.Fatalf("%s printed %q", verb, out)
			}
		})
	}
	wrapped := struct{ P account.Password }{p}
	if out := fmt.Sprintf("%+v", wrapped); strings.Contains(out, "horse") {
		t.Fatalf("a struct holding the password printed %q", out)
	}
}
