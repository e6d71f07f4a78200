package prefsjson_test

import (
	"strings"
	"testing"

	"github.com/lingo-labs/lingo/adapters/httpapi/prefsjson"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/preferences"
	"github.com/lingo-labs/lingo/domain/text"
)

// FuzzDecodePatch checks the promises the handler relies on: Decode never
// panics, classifies every failure as BadRequest or Invalid (with named
// fields and messages that show nothing of Go's types), a patch it accepts
// holds only text that keeps the text rule (domain/text), applies cleanly
// and yields valid preferences: no input can end in a 500.
func FuzzDecodePatch(f *testing.F) {
	for _, seed := range []string{
		`{}`,
		`{"timezone":"Europe/Berlin","learning":{"daily_xp_goal":50,"target_language":null}}`,
		`{"learning":{"target_language":"ja","native_language":"de","difficulty_level":"advanced","daily_xp_goal":5}}`,
		`{"notifications":{"email_enabled":false,"reminder_time":"23:59","weekly_summary":true}}`,
		`{"interface":{"theme":"dark","ui_language":"zh","sound_effects":false,"animations":true}}`,
		`{"created_at":"x","learning":{"daily_xp_goal":1e400}}`,
		`{"timezone":"","timezone":null}`,
		`{"learning":[1,{"a":null}]} trailing`,
		`{"timezone":"Europe/Berlin\u0000","interface":{"theme":"da\u001brk"}}`,
		"{\"timezone\":\"Europe/Berl\xefn\",\"learning\":{\"native_language\":\"d\xe9\"}}",
		`{"timezone":"Europe//Berlin","learning":{"daily_xp_goal":-1e400}}`,
		`{"timezone":"posixrules"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		patch, err := prefsjson.Decode(body)
		if err != nil {
			e, ok := errs.As(err)
			if !ok {
				t.Fatalf("unclassified error %v", err)
			}
			switch e.Kind {
			case errs.BadRequest:
			case errs.Invalid:
				if len(e.Fields) == 0 {
					t.Fatalf("Invalid without field errors: %v", err)
				}
				for _, fe := range e.Fields {
					if fe.Field == "" || fe.Message == "" {
						t.Fatalf("field error without path or message: %+v", fe)
					}
					for _, leak := range []string{"Go ", "float64", "int64", "json:", "reflect", "unmarshal"} {
						if strings.Contains(fe.Message, leak) {
							t.Fatalf("message %q shows Go internals", fe.Message)
						}
					}
				}
			default:
				t.Fatalf("unexpected kind %v: %v", e.Kind, err)
			}
			return
		}
		for _, o := range []preferences.Opt[string]{patch.Timezone, patch.Learning.NativeLanguage,
			patch.Learning.DifficultyLevel, patch.Notifications.ReminderTime, patch.Interface.Theme, patch.Interface.UILanguage} {
			if s, ok := o.Get(); ok && !text.Valid(s, text.Line) {
				t.Fatalf("text %q passed the decoder", s)
			}
		}
		if s, _, ok := patch.Learning.TargetLanguage.Get(); ok && !text.Valid(s, text.Line) {
			t.Fatalf("text %q passed the decoder", s)
		}
		p, changed, err := preferences.Apply(preferences.Default(t0), patch)
		if err != nil {
			t.Fatalf("Decode accepted a patch that Apply refuses: %v", err)
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("Apply produced invalid preferences: %v", err)
		}
		if _, err := preferences.Restore(p.Snapshot()); err != nil {
			t.Fatalf("snapshot does not restore: %v", err)
		}
		if changed == nil {
			t.Fatal("changed paths must not be nil")
		}
	})
}
