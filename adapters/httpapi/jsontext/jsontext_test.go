package jsontext_test

import (
	"encoding/json"
	"testing"

	"github.com/lingo-labs/lingo/adapters/httpapi/jsontext"
)

func TestMarkInvalidUTF8(t *testing.T) {
	for name, c := range map[string]struct{ in, want string }{
		"valid body unchanged":     {`{"a":"日本"}`, `{"a":"日本"}`},
		"invalid byte in a value":  {"{\"a\":\"caf\xe9\"}", `{"a":"caf\u0000"}`},
		"invalid byte in a key":    {"{\"\xff\":1}", `{"\u0000":1}`},
		"truncated sequence":       {"[\"\xe6\x97\"]", `["\u0000\u0000"]`},
		"escaped quote kept":       {"[\"\\\"\xff\"]", `["\"\u0000"]`},
		"after an escape left":     {"[\"\\\xff\"]", "[\"\\\xff\"]"},
		"outside a string left":    {"[1,\xff]", "[1,\xff]"},
		"second string is tracked": {"[\"a\",\"\xc0\"]", `["a","\u0000"]`},
	} {
		t.Run(name, func(t *testing.T) {
			if got := string(jsontext.MarkInvalidUTF8([]byte(c.in))); got != c.want {
				t.Fatalf("MarkInvalidUTF8(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

// TestMarkedStringHoldsNUL shows why the marker is refused: the decoded
// string holds a NUL where the invalid byte was, instead of U+FFFD.
func TestMarkedStringHoldsNUL(t *testing.T) {
	var s string
	if err := json.Unmarshal(jsontext.MarkInvalidUTF8([]byte("\"x\xffy\"")), &s); err != nil {
		t.Fatal(err)
	}
	if s != "x\x00y" {
		t.Fatalf("decoded %q", s)
	}
}
