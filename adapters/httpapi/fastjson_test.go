package httpapi_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/adapters/httpapi"
)

// flatCases are bodies for parseFlat: those it must take, and those it must
// leave to ParseJSON.
var flatCases = []struct {
	name string
	body string
	flat bool
}{
	{"event", `{"event_id":"0B8F6C1E-3F7A-4A51-9C55-7F1F1C3B2A10","event_type":"exercise_attempted","is_correct":true,
		"occurred_at":"2026-12-07T19:20:01.123Z","duration_seconds":12,"score":-0,"app_version":null}`, true},
	{"spaced", " {\n\t\"event_type\" : \"app_opened\" ,\r\n\"score\":1.5e+3 } ", true},
	{"empty object", `{}`, true},
	{"numbers", `{"a":0,"b":-12,"c":1.25,"d":1E9,"e":2e-3,"f":123456789012345678901234567890}`, true},
	{"repeated key, last wins", `{"event_type":"a","event_type":"b"}`, true},
	{"html characters", `{"a":"<b>&amp;</b>"}`, true},
	{"escape", `{"a":"x\"y"}`, false},
	{"non-ascii", `{"a":"café"}`, false},
	{"invalid utf-8", "{\"a\":\"caf\xe9\"}", false},
	{"control character", "{\"a\":\"x\ty\"}", false},
	{"nested", `{"metadata":{"a":1}}`, false},
	{"array", `{"a":[1]}`, false},
	{"not an object", `[1]`, false},
	{"leading zero", `{"a":01}`, false},
	{"bare minus", `{"a":-}`, false},
	{"dot without digits", `{"a":1.}`, false},
	{"exponent without digits", `{"a":1e}`, false},
	{"trailing comma", `{"a":1,}`, false},
	{"missing colon", `{"a" 1}`, false},
	{"trailing data", `{"a":1} {}`, false},
	{"unclosed", `{"a":1`, false},
	{"bad literal", `{"a":tru}`, false},
	{"literal run on", `{"a":truex}`, false},
	{"empty", ``, false},
}

// TestParseFlatGivesParseJSONsTree: what the fast path takes it reads into
// the very tree ParseJSON makes; the rest it leaves alone.
func TestParseFlatGivesParseJSONsTree(t *testing.T) {
	for _, tt := range flatCases {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := httpapi.ParseFlat([]byte(tt.body))
			require.Equal(t, tt.flat, ok)
			if ok {
				want, err := httpapi.ParseJSON([]byte(tt.body))
				require.NoError(t, err)
				assert.Equal(t, want, any(got))
			}
		})
	}
}

// FuzzParseFlat holds the fast path to ParseJSON on any body.
func FuzzParseFlat(f *testing.F) {
	for _, c := range flatCases {
		f.Add([]byte(c.body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, ok := httpapi.ParseFlat(body)
		if !ok {
			return
		}
		want, err := httpapi.ParseJSON(body)
		require.NoError(t, err, "taken by the fast path, refused by ParseJSON")
		assert.Equal(t, want, any(got))
	})
}
