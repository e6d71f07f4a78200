// Package text holds the rule every string a client sends keeps, whatever
// field or query parameter it arrives in: valid UTF-8 without NUL or other
// C0 control characters. Free text (a course description, event metadata)
// may also hold tab and line feed. The rule is checked once, where a request
// is decoded, so that no such string reaches a rule, a store or a log: a NUL
// breaks PostgreSQL text columns and invalid UTF-8 breaks its encoding.
package text

import "unicode/utf8"

// Form says which control characters a string may hold.
type Form int

const (
	// Line is a one-line value: no control character below U+0020.
	Line Form = iota
	// Multiline is free text: tab (U+0009) and line feed (U+000A) are
	// allowed, other C0 control characters are not. A carriage return is
	// refused too: the contract allows only tab and newline.
	Multiline
)

// Problem messages, worded for a client reading a 422.
const (
	msgLine      = "must be valid UTF-8 text without control characters"
	msgMultiline = "must be valid UTF-8 text without control characters other than tab and line feed"
)

// Check returns "" when s keeps the rule of form f, else the message to
// report on its field. Bytes of a multi-byte UTF-8 sequence are all 0x80 or
// above, so the control characters can be looked for byte by byte.
func Check(s string, f Form) string {
	if !utf8.ValidString(s) {
		return message(f)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && !(f == Multiline && (c == '\t' || c == '\n')) {
			return message(f)
		}
	}
	return ""
}

func message(f Form) string {
	if f == Multiline {
		return msgMultiline
	}
	return msgLine
}

// Valid reports whether s keeps the rule of form f.
func Valid(s string, f Form) bool { return Check(s, f) == "" }
