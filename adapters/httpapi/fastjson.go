package httpapi

import (
	"bytes"
	"encoding/json"

	"github.com/lingo-labs/lingo/application/analytics"
)

// The one-pass readers of the shapes event bodies nearly always take: a
// batch's envelope (splitBatch) and a flat event object (parseFlat). Each
// reports false for anything else, and the generic reader's answer stands.

// maxSplitDepth is the deepest nesting splitBatch takes; an event is a few
// levels deep, and a deeper body goes to the generic reader, so that
// encoding/json's own depth limit answers it as it always did.
const maxSplitDepth = 64

// splitBatch is the batch reader's fast path: one pass over a body of the
// exact shape {"events":[...]} (JSON whitespace anywhere between tokens)
// that cuts out each element's bytes, as json.RawMessage holds them,
// without checking the elements themselves. It reports false for any
// other shape. The caller must parse every element (decodeEvent does) and
// go back to bindBatchEvents when one is not JSON: a body whose elements
// all are is the same valid body encoding/json reads, with the same
// elements, and the generic reader stays the one answer to any other.
func splitBatch(body []byte) ([]json.RawMessage, bool) {
	i := skipSpace(body, 0)
	const head = `"events"`
	if i >= len(body) || body[i] != '{' {
		return nil, false
	}
	i = skipSpace(body, i+1)
	if !bytes.HasPrefix(body[i:], []byte(head)) {
		return nil, false
	}
	i = skipSpace(body, i+len(head))
	if i >= len(body) || body[i] != ':' {
		return nil, false
	}
	i = skipSpace(body, i+1)
	if i >= len(body) || body[i] != '[' {
		return nil, false
	}
	i = skipSpace(body, i+1)
	events := make([]json.RawMessage, 0, analytics.MaxBatch)
	if i < len(body) && body[i] == ']' {
		return events, closesObject(body, i+1)
	}
	for {
		start := i
		end, ok := valueEnd(body, i)
		if !ok || end == start {
			return nil, false
		}
		events = append(events, body[start:end])
		i = skipSpace(body, end)
		if i >= len(body) {
			return nil, false
		}
		switch body[i] {
		case ',':
			i = skipSpace(body, i+1)
		case ']':
			return events, closesObject(body, i+1)
		default:
			return nil, false
		}
	}
}

// valueEnd is where the element starting at i ends: at the first comma,
// closing bracket or JSON whitespace outside any string, array or object
// it opened. Strings are skipped whole (a backslash escapes the next byte);
// brackets are only counted, for the element is parsed on its own later.
func valueEnd(body []byte, i int) (int, bool) {
	depth := 0
	for ; i < len(body); i++ {
		switch c := body[i]; c {
		case '"':
			for i++; i < len(body) && body[i] != '"'; i++ {
				if body[i] == '\\' {
					i++
				}
			}
			if i >= len(body) {
				return 0, false
			}
		case '[', '{':
			if depth++; depth > maxSplitDepth {
				return 0, false
			}
		case ']', '}':
			if depth == 0 {
				return i, true
			}
			depth--
		case ',', ' ', '\t', '\n', '\r':
			if depth == 0 {
				return i, true
			}
		}
	}
	return 0, false
}

// closesObject reports whether body from i is the closing brace of the
// batch object and nothing but JSON whitespace after it.
func closesObject(body []byte, i int) bool {
	i = skipSpace(body, i)
	return i < len(body) && body[i] == '}' && skipSpace(body, i+1) == len(body)
}

// skipSpace is the index of the first byte from i that is not JSON
// whitespace.
func skipSpace[T string | []byte](body T, i int) int {
	for i < len(body) && (body[i] == ' ' || body[i] == '\t' || body[i] == '\n' || body[i] == '\r') {
		i++
	}
	return i
}

// parseFlat is ParseJSON for the bodies events are nearly always sent as: one
// object whose members are strings of printable ASCII without escapes,
// numbers, true, false or null (no nested object or array: metadata goes the
// long way). It gives the very tree ParseJSON gives (a map[string]any, numbers
// as json.Number, the last of repeated keys) in a single pass without
// encoding/json's reflection and buffering, which were most of the cost of
// reading an event. It reports false for anything else, and the caller then
// calls ParseJSON, whose answer (the tree, or the refusal) stands.
func parseFlat(body []byte) (map[string]any, bool) {
	// One conversion: every key and string value is a substring of it.
	s := string(body)
	i := skipSpace(s, 0)
	if i >= len(s) || s[i] != '{' {
		return nil, false
	}
	out := make(map[string]any, 16)
	i = skipSpace(s, i+1)
	if i < len(s) && s[i] == '}' {
		return out, skipSpace(s, i+1) == len(s)
	}
	for {
		key, next, ok := plainString(s, i)
		if !ok {
			return nil, false
		}
		i = skipSpace(s, next)
		if i >= len(s) || s[i] != ':' {
			return nil, false
		}
		i = skipSpace(s, i+1)
		var v any
		if v, i, ok = scalar(s, i); !ok {
			return nil, false
		}
		out[key] = v
		i = skipSpace(s, i)
		if i >= len(s) {
			return nil, false
		}
		switch s[i] {
		case ',':
			i = skipSpace(s, i+1)
		case '}':
			return out, skipSpace(s, i+1) == len(s)
		default:
			return nil, false
		}
	}
}

// scalar reads the value at i: a plain string, a number, true, false or null.
func scalar(s string, i int) (any, int, bool) {
	if i >= len(s) {
		return nil, i, false
	}
	switch c := s[i]; {
	case c == '"':
		v, end, ok := plainString(s, i)
		return v, end, ok
	case c == '-' || c >= '0' && c <= '9':
		end, ok := numberEnd(s, i)
		return json.Number(s[i:end]), end, ok
	}
	for _, lit := range [...]struct {
		text string
		v    any
	}{{"true", true}, {"false", false}, {"null", nil}} {
		if len(s)-i >= len(lit.text) && s[i:i+len(lit.text)] == lit.text {
			return lit.v, i + len(lit.text), true
		}
	}
	return nil, i, false
}

// plainString reads a string at i made of printable ASCII with no escape,
// and returns it with the index after its closing quote.
func plainString(s string, i int) (string, int, bool) {
	if i >= len(s) || s[i] != '"' {
		return "", i, false
	}
	for j := i + 1; j < len(s); j++ {
		switch c := s[j]; {
		case c == '"':
			return s[i+1 : j], j + 1, true
		case c < 0x20 || c > 0x7e || c == '\\':
			return "", j, false
		}
	}
	return "", len(s), false
}

// numberEnd is the end of the JSON number at i (RFC 8259's grammar).
func numberEnd(s string, i int) (int, bool) {
	digits := func(j int) int {
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		return j
	}
	if s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		i = digits(i)
	default:
		return i, false
	}
	if i < len(s) && s[i] == '.' {
		j := digits(i + 1)
		if j == i+1 {
			return j, false
		}
		i = j
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j := digits(i)
		if j == i {
			return j, false
		}
		i = j
	}
	return i, true
}
