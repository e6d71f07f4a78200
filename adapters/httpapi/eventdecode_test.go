package httpapi_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/lingo-labs/lingo/adapters/httpapi"
)

// TestEventDecoderMatchesGeneric holds the fast event decoder to the answers
// of the generic BindRaw it replaces: the same DTO, the same tree (the body
// hash is taken from it) and the same error.
func TestEventDecoderMatchesGeneric(t *testing.T) {
	tests := []struct {
		name string
		body string
	}{
		{"full event", `{"event_id":"0b8f6c1e-3f7a-4a51-9c55-7f1f1c3b2a10","event_type":"exercise_attempted",
			"occurred_at":"2026-01-02T03:04:05Z","session_id":"s","course_id":"c","lesson_id":"l","exercise_id":"e",
			"duration_seconds":12,"score":80,"is_correct":true,"device_type":"phone","platform":"ios","app_version":"1.0"}`},
		{"nulls", `{"event_type":"app_opened","event_id":null,"score":null,"is_correct":null}`},
		{"metadata numbers and nesting", `{"event_type":"app_opened","metadata":{"a":1.50,"b":[1,2e3,{"c":-0.0}],"d":"x","e":null,"f":true}}`},
		{"metadata number out of range", `{"event_type":"app_opened","metadata":{"a":1e400}}`},
		{"missing event_type", `{"event_id":"x"}`},
		{"empty event_type", `{"event_type":""}`},
		{"unknown fields", `{"event_type":"app_opened","zeta":1,"Event_Type":"x"}`},
		{"wrong types", `{"event_type":1,"score":"high","is_correct":"yes","duration_seconds":1.5}`},
		{"integer out of range", `{"event_type":"app_opened","score":99999999999999999999}`},
		{"null metadata", `{"event_type":"app_opened","metadata":null}`},
		{"not an object", `[1,2]`},
		{"malformed", `{"event_type":`},
		{"trailing data", `{"event_type":"app_opened"} {}`},
		{"empty", ` `},
		{"duplicate key, last wins", `{"event_type":"app_opened","event_type":"session_started"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantIn, wantRaw, wantErr := httpapi.DecodeEventGeneric([]byte(tt.body))
			gotIn, gotRaw, gotErr := httpapi.DecodeEventFast([]byte(tt.body))
			assert.Equal(t, wantErr, gotErr)
			assert.Equal(t, wantRaw, gotRaw)
			assert.Equal(t, wantIn, gotIn)
		})
	}
}

// TestBatchReaderMatchesGeneric holds the batch body reader to the answers
// of BindBytes into the batch DTO.
func TestBatchReaderMatchesGeneric(t *testing.T) {
	tests := []struct {
		name string
		body string
	}{
		{"events", `{"events":[{"event_type":"app_opened"}, {"a":1}]}`},
		{"spaced", ` { "events" : [ 1 , "x" ] } `},
		{"empty list", `{"events":[]}`},
		{"no events", `{}`},
		{"null events", `{"events":null}`},
		{"events not a list", `{"events":{"a":1}}`},
		{"unknown field", `{"events":[],"extra":1}`},
		{"not an object", `[]`},
		{"malformed", `{"events":[`},
		{"trailing data", `{"events":[]} x`},
		{"empty", ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, wantErr := httpapi.BindBatchGeneric([]byte(tt.body))
			got, gotErr := httpapi.BindBatchEvents([]byte(tt.body))
			assert.Equal(t, wantErr, gotErr)
			if wantErr == nil {
				assert.Equal(t, want, any(got))
			}
		})
	}
}

// TestCanonicalJSONMatchesMarshal holds the body hash's encoder to
// json.Marshal byte for byte: stored hashes decide replays, so a differing
// byte would turn an honest retry into a conflict.
func TestCanonicalJSONMatchesMarshal(t *testing.T) {
	tests := []struct {
		name string
		body string
	}{
		{"event", `{"event_type":"exercise_attempted","score":80,"is_correct":false,"event_id":null,"occurred_at":"2026-01-02T03:04:05.123+02:00"}`},
		{"key order", `{"b":1,"a":2,"B":3,"aa":4,"":5}`},
		{"numbers as written", `{"a":1.50,"b":-0,"c":2E10,"d":1e-7,"e":123456789012345678901234567890}`},
		{"nesting", `{"m":{"x":[1,{"y":[[],{}]},null,true,"s"]}}`},
		{"escapes", `{"q":"a\"b\\c\/d","ctl":"\n\t\r\b\f\u0001","html":"<a href='x'>&amp;</a>"}`},
		{"unicode", `{"u":"héllo wörld ✓ 😀","sep":"\u2028\u2029","key é":"v"}`},
		{"invalid utf-8 escape", `{"s":"\ud800"}`},
		{"top-level array", `[1,"two",{"three":3}]`},
		{"top-level string", `"<tag>"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, want, err := httpapi.CanonicalJSON([]byte(tt.body))
			assert.NoError(t, err)
			assert.Equal(t, string(want), string(got))
		})
	}
}

// batchReaderCases are bodies the batch reader's fast path (splitBatch)
// must read as the generic reader does, or leave to it.
var batchReaderCases = []struct {
	name string
	body string
}{
	{"events", `{"events":[{"event_type":"app_opened"},{"event_type":"exercise_attempted","is_correct":true}]}`},
	{"spaced", " { \"events\" :\n[ {\"event_type\":\"app_opened\"}\t,\r\n{\"a\":1} ] } "},
	{"strings holding commas, brackets and quotes", `{"events":[{"event_type":"app_opened","session_id":"a,b]}[{\"c\\","metadata":{"k":"x\\\\"}}]}`},
	{"scalars", `{"events":[1,"x",true,null,-2.5e3]}`},
	{"empty list", `{"events":[]}`},
	{"empty list spaced", `{"events":[ ] }`},
	{"missing comma", `{"events":[{"event_type":"app_opened"} {"event_type":"app_opened"}]}`},
	{"trailing comma", `{"events":[{"event_type":"app_opened"},]}`},
	{"leading comma", `{"events":[,{"event_type":"app_opened"}]}`},
	{"malformed element", `{"events":[{"event_type":"app_opened"},{"event_type":}]}`},
	{"unclosed string", `{"events":[{"event_type":"app_opened}]}`},
	{"unbalanced element", `{"events":[{"event_type":"app_opened"]}]}`},
	{"deep nesting", `{"events":[{"event_type":"app_opened","metadata":` + strings.Repeat(`[`, 70) + strings.Repeat(`]`, 70) + `}]}`},
	{"duplicate events key", `{"events":[{"event_type":"app_opened"}],"events":[]}`},
	{"escaped key", `{"\u0065vents":[{"event_type":"app_opened"}]}`},
	{"key in other case", `{"Events":[{"event_type":"app_opened"}]}`},
	{"extra key", `{"events":[{"event_type":"app_opened"}],"x":1}`},
	{"trailing data", `{"events":[{"event_type":"app_opened"}]} x`},
	{"unclosed object", `{"events":[{"event_type":"app_opened"}]`},
	{"events not a list", `{"events":{"event_type":"app_opened"}}`},
	{"not an object", `[{"event_type":"app_opened"}]`},
	{"empty", ``},
	{"invalid utf-8 inside a string", "{\"events\":[{\"event_type\":\"app_opened\",\"session_id\":\"caf\xe9\"}]}"},
}

// TestBatchReaderFastPathMatchesGeneric holds readBatch to the generic
// reader's elements, each decoded: the same items and the same error.
func TestBatchReaderFastPathMatchesGeneric(t *testing.T) {
	for _, tt := range batchReaderCases {
		t.Run(tt.name, func(t *testing.T) {
			want, wantErr := httpapi.ReadBatchGeneric([]byte(tt.body))
			got, gotErr := httpapi.ReadBatch([]byte(tt.body))
			assert.Equal(t, wantErr, gotErr)
			if wantErr == nil {
				assert.Equal(t, want, any(got))
			}
		})
	}
}

// TestSplitBatchTakesPlainBodies: the fast path is taken for the bodies
// clients send, so the test above compares it, not the generic reader with
// itself.
func TestSplitBatchTakesPlainBodies(t *testing.T) {
	for _, tt := range batchReaderCases[:6] {
		events, ok := httpapi.SplitBatch([]byte(tt.body))
		assert.True(t, ok, tt.name)
		want, err := httpapi.BindBatchEvents([]byte(tt.body))
		assert.NoError(t, err, tt.name)
		assert.Equal(t, want, events, tt.name)
	}
}

// FuzzReadBatch holds readBatch to the generic reader on any body.
func FuzzReadBatch(f *testing.F) {
	for _, c := range batchReaderCases {
		f.Add([]byte(c.body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		want, wantErr := httpapi.ReadBatchGeneric(body)
		got, gotErr := httpapi.ReadBatch(body)
		if !assert.Equal(t, wantErr, gotErr) {
			return
		}
		if wantErr == nil {
			assert.Equal(t, want, any(got))
		}
	})
}
