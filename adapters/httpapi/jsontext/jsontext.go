// Package jsontext keeps raw invalid UTF-8 in a JSON body visible to the
// text rule (domain/text). encoding/json replaces each invalid byte inside a
// string with U+FFFD without a word, so a string holding one would be stored
// changed instead of refused. MarkInvalidUTF8 runs before decoding and turns
// every invalid byte inside a string into the escape \u0000, which the text
// rule refuses on every field, free text included: the client gets a 422
// naming the field (its JSON path) rather than silently altered text.
package jsontext

import "unicode/utf8"

// marker is what an invalid byte inside a JSON string becomes.
const marker = `\u0000`

// MarkInvalidUTF8 returns body with every invalid UTF-8 byte inside a JSON
// string replaced by the escape \u0000. Bytes outside strings are left as
// they are (they make the body malformed JSON, a 400, either way). A valid
// body is returned unchanged without copying.
func MarkInvalidUTF8(body []byte) []byte {
	if utf8.Valid(body) {
		return body
	}
	out := make([]byte, 0, len(body)+32)
	inString, escaped := false, false
	for i := 0; i < len(body); {
		c := body[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRune(body[i:])
			if r == utf8.RuneError && size == 1 && inString && !escaped {
				out = append(out, marker...)
			} else {
				out = append(out, body[i:i+size]...)
			}
			escaped = false
			i += size
			continue
		}
		switch {
		case !inString:
			inString = c == '"'
		case escaped:
			escaped = false
		case c == '\\':
			escaped = true
		case c == '"':
			inString = false
		}
		out = append(out, c)
		i++
	}
	return out
}
