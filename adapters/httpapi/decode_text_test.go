package httpapi_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/adapters/httpapi"
	"github.com/lingo-labs/lingo/domain/errs"
)

type textDTO struct {
	Name  string         `json:"name" validate:"required"`
	Notes *string        `json:"notes" text:"multiline"`
	Tags  []string       `json:"tags"`
	Count *int           `json:"count"`
	Ratio *float64       `json:"ratio"`
	Extra map[string]any `json:"extra"`
}

// problems decodes body into a textDTO and returns its field problems as
// "path: message", or fails when the error is not a 422.
func problems(t *testing.T, body string) (textDTO, []string) {
	t.Helper()
	var in textDTO
	err := httpapi.BindBytes([]byte(body), &in)
	if err == nil {
		return in, nil
	}
	e, ok := errs.As(err)
	require.True(t, ok && e.Kind == errs.Invalid, "got %v", err)
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field+": "+f.Message)
	}
	return in, out
}

func TestDecoderTextRule(t *testing.T) {
	const line = "must be valid UTF-8 text without control characters"
	const free = "must be valid UTF-8 text without control characters other than tab and line feed"
	for _, c := range []struct{ name, body, want string }{
		{"NUL escape", `{"name":"a\u0000"}`, "name: " + line},
		{"raw invalid byte", "{\"name\":\"caf\xe9\"}", "name: " + line},
		{"tab in a line", `{"name":"a\tb"}`, "name: " + line},
		{"in a list", `{"name":"n","tags":["ok","\u0007"]}`, "tags[1]: " + line},
		{"carriage return in free text", `{"name":"n","notes":"a\r\nb"}`, "notes: " + free},
		{"NUL in free-form JSON", `{"name":"n","extra":{"a":[{"b":"\u0000"}]}}`, "extra.a[0].b: " + free},
		{"bad key of free-form JSON", `{"name":"n","extra":{"\u0000":1}}`, "extra: keys " + free},
		{"raw invalid byte in free-form JSON", "{\"name\":\"n\",\"extra\":{\"a\":\"\xff\"}}", "extra.a: " + free},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, got := problems(t, c.body)
			assert.Equal(t, []string{c.want}, got)
		})
	}
	t.Run("tab and line feed in free text", func(t *testing.T) {
		in, got := problems(t, `{"name":"n","notes":"a\tb\nc","extra":{"k":"x\ty\n"}}`)
		assert.Empty(t, got)
		assert.Equal(t, "a\tb\nc", *in.Notes)
	})
}

func TestDecoderNumbersOutOfRange(t *testing.T) {
	_, got := problems(t, `{"name":"n","count":1e400,"ratio":1e400,"extra":{"x":-1e999}}`)
	assert.ElementsMatch(t, []string{"count: must be an integer in range", "ratio: must be a number in range",
		"extra.x: must be a number in range"}, got)
	for _, p := range got {
		assert.False(t, strings.Contains(p, "float64") || strings.Contains(p, "Go "), p)
	}
}

func TestDecoderKeepsTheUsableValues(t *testing.T) {
	in, got := problems(t, `{"name":"\u0000","notes":"kept","count":"x","tags":["a",1]}`)
	assert.Equal(t, []string{"count: must be an integer", "name: " + "must be valid UTF-8 text without control characters",
		"tags[1]: must be a string"}, got, "one problem per path: the refused name is not also reported missing")
	require.NotNil(t, in.Notes)
	assert.Equal(t, "kept", *in.Notes)
	assert.Equal(t, []string{"a", ""}, in.Tags, "only the refused element is left out")
}
