package httpapi_test

import (
	"strings"
	"testing"
	"time"

	"github.com/lingo-labs/lingo/adapters/httpapi"
	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/learning"
	"github.com/lingo-labs/lingo/domain/text"
)

// FuzzDecodeEvent checks what the event routes rely on: reading a body
// never panics; a body it refuses is a 400 (BadRequest) or a 422 (Invalid)
// whose every problem names a field and says nothing of Go's types; a body
// it takes holds only text that keeps the text rule (nothing a store would
// refuse with a 500), and the domain's rules then give an event or a 422,
// never another kind of error.
func FuzzDecodeEvent(f *testing.F) {
	for _, seed := range []string{
		`{"event_type":"app_opened"}`,
		`{"event_id":"0B8F6C1E-3F7A-4A51-9C55-7F1F1C3B2A10","event_type":"lesson_completed","lesson_id":"0b8f6c1e-3f7a-4a51-9c55-7f1f1c3b2a11","score":90}`,
		`{"event_type":"exercise_attempted","is_correct":true,"session_id":"s\u0000","exercise_id":"e\t","app_version":"1.0\n"}`,
		"{\"event_type\":\"app_opened\",\"session_id\":\"caf\xe9\"}",
		`{"event_type":"app_opened","metadata":{"a":1e400,"b":[1,{"c":"x\ny"}],"k\u0000":1}}`,
		`{"event_type":"practice_completed","score":"high","occurred_at":"yesterday","zeta":1}`,
		`{"event_type":"app_opened","duration_seconds":99999999999999999999,"score":-1}`,
		`[1,2]`,
		`{"event_type":`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		sub, err := httpapi.DecodeEvent(body)
		if err != nil {
			checkRefusal(t, err)
			return
		}
		in := sub.Input
		for name, s := range map[string]*string{"event_id": in.EventID, "occurred_at": nil, "session_id": in.SessionID,
			"course_id": in.CourseID, "lesson_id": in.LessonID, "exercise_id": in.ExerciseID,
			"device_type": in.DeviceType, "platform": in.Platform, "app_version": in.AppVersion} {
			if s != nil && !text.Valid(*s, text.Line) {
				t.Fatalf("%s %q passed the decoder", name, *s)
			}
		}
		if !text.Valid(in.EventType, text.Line) {
			t.Fatalf("event_type %q passed the decoder", in.EventType)
		}
		checkFreeText(t, in.Metadata)
		if sub.BodyHash == "" {
			t.Fatal("a decoded event without a body hash")
		}
		received := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
		if _, err := learning.NewEvent("0b8f6c1e-3f7a-4a51-9c55-7f1f1c3b2a10", "u", in, received, calendar.UTC); err != nil {
			checkRefusal(t, err)
			if !errs.Is(err, errs.Invalid) {
				t.Fatalf("the rules answered %v", err)
			}
		}
	})
}

// checkRefusal holds a refusal to the envelope's promises.
func checkRefusal(t *testing.T, err error) {
	t.Helper()
	e, ok := errs.As(err)
	if !ok {
		t.Fatalf("unclassified error %v", err)
	}
	switch e.Kind {
	case errs.BadRequest:
	case errs.Invalid:
		if len(e.Fields) == 0 {
			t.Fatalf("Invalid without field problems: %v", err)
		}
		for _, fe := range e.Fields {
			if fe.Message == "" {
				t.Fatalf("field problem without a message: %+v", fe)
			}
			for _, leak := range []string{"Go ", "float64", "int64", "json:", "reflect", "unmarshal"} {
				if strings.Contains(fe.Message, leak) {
					t.Fatalf("message %q shows Go internals", fe.Message)
				}
			}
		}
	default:
		t.Fatalf("kind %v (a 5xx or another class): %v", e.Kind, err)
	}
}

// checkFreeText fails when a decoded free-form value holds text the
// free-text rule refuses.
func checkFreeText(t *testing.T, v any) {
	t.Helper()
	switch x := v.(type) {
	case string:
		if !text.Valid(x, text.Multiline) {
			t.Fatalf("metadata text %q passed the decoder", x)
		}
	case map[string]any:
		for k, e := range x {
			if !text.Valid(k, text.Multiline) {
				t.Fatalf("metadata key %q passed the decoder", k)
			}
			checkFreeText(t, e)
		}
	case []any:
		for _, e := range x {
			checkFreeText(t, e)
		}
	}
}
