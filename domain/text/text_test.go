package text_test

import (
	"testing"

	"github.com/lingo-labs/lingo/domain/text"
)

func TestCheckAccepts(t *testing.T) {
	for name, c := range map[string]struct {
		s string
		f text.Form
	}{
		"empty":                {"", text.Line},
		"ascii":                {"session-42", text.Line},
		"non-latin":            {"日本語のレッスン", text.Line},
		"emoji with joiner":    {"👩‍💻", text.Line},
		"DEL is not C0":        {"a\x7fb", text.Line},
		"tab in free text":     {"a\tb", text.Multiline},
		"newline in free text": {"line one\nline two", text.Multiline},
	} {
		t.Run(name, func(t *testing.T) {
			if msg := text.Check(c.s, c.f); msg != "" {
				t.Fatalf("Check(%q) = %q, want accepted", c.s, msg)
			}
		})
	}
}

func TestCheckRefuses(t *testing.T) {
	for name, c := range map[string]struct {
		s string
		f text.Form
	}{
		"NUL":                      {"a\x00b", text.Line},
		"NUL in free text":         {"a\x00b", text.Multiline},
		"escape":                   {"\x1b[31m", text.Line},
		"tab in a line":            {"a\tb", text.Line},
		"newline in a line":        {"a\nb", text.Line},
		"carriage return":          {"a\r\nb", text.Multiline},
		"invalid UTF-8":            {"caf\xe9", text.Line},
		"truncated sequence":       {"\xe6\x97", text.Multiline},
		"surrogate encoded":        {"\xed\xa0\x80", text.Line},
		"invalid after valid text": {"日本\xff", text.Line},
	} {
		t.Run(name, func(t *testing.T) {
			if text.Valid(c.s, c.f) {
				t.Fatalf("Check(%q) accepted it", c.s)
			}
		})
	}
}
