// Package prefsjson reads the body of PUT and PATCH /api/users/me/preferences
// into a preferences.Patch. It is strict where encoding/json is lenient:
// keys match exactly (no case folding), unknown, read-only and repeated keys
// are refused, and every problem in the body is reported at once with its
// JSON path, so a client fixes its request in one round.
package prefsjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"strconv"

	"github.com/lingo-labs/lingo/adapters/httpapi/jsontext"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/preferences"
	"github.com/lingo-labs/lingo/domain/text"
)

// Decode parses body. Malformed JSON, trailing data, or a body that is not a
// JSON object is an error of kind BadRequest. A well-formed object with
// unknown or read-only keys, wrong JSON types, null where it is not allowed
// or values that break a rule of the OpenAPI document's Preferences is an error of kind Invalid with one
// field error per problem, named by JSON path. A nil error means the patch
// applies cleanly to any valid Preferences.
func Decode(body []byte) (preferences.Patch, error) {
	var patch preferences.Patch
	members, err := object(body)
	if err != nil {
		return patch, err
	}
	d := decoder{}
	for _, m := range d.unique(members) {
		switch m.key {
		case "timezone":
			patch.Timezone = d.str(m)
		case "learning":
			for _, f := range d.section(m) {
				switch f.key {
				case "target_language":
					patch.Learning.TargetLanguage = d.nullableStr(f)
				case "native_language":
					patch.Learning.NativeLanguage = d.str(f)
				case "difficulty_level":
					patch.Learning.DifficultyLevel = d.str(f)
				case "daily_xp_goal":
					patch.Learning.DailyXPGoal = d.integer(f)
				default:
					d.unknown(f)
				}
			}
		case "notifications":
			for _, f := range d.section(m) {
				switch f.key {
				case "email_enabled":
					patch.Notifications.EmailEnabled = d.boolean(f)
				case "push_enabled":
					patch.Notifications.PushEnabled = d.boolean(f)
				case "daily_reminder":
					patch.Notifications.DailyReminder = d.boolean(f)
				case "reminder_time":
					patch.Notifications.ReminderTime = d.str(f)
				case "streak_alerts":
					patch.Notifications.StreakAlerts = d.boolean(f)
				case "weekly_summary":
					patch.Notifications.WeeklySummary = d.boolean(f)
				default:
					d.unknown(f)
				}
			}
		case "interface":
			for _, f := range d.section(m) {
				switch f.key {
				case "theme":
					patch.Interface.Theme = d.str(f)
				case "ui_language":
					patch.Interface.UILanguage = d.str(f)
				case "sound_effects":
					patch.Interface.SoundEffects = d.boolean(f)
				case "animations":
					patch.Interface.Animations = d.boolean(f)
				default:
					d.unknown(f)
				}
			}
		case "social":
			for _, f := range d.section(m) {
				switch f.key {
				case "leaderboards":
					patch.Social.Leaderboards = d.boolean(f)
				default:
					d.unknown(f)
				}
			}
		case "created_at", "updated_at":
			d.bad(m.path, "is read-only")
		default:
			d.unknown(m)
		}
	}
	// Value rules are checked here as well as in preferences.Apply so that a
	// wrong type and an out-of-range value in one body are reported together.
	if e, ok := errs.As(patch.Validate()); ok {
		d.problems = append(d.problems, e.Fields...)
	}
	if err := errs.Validation(d.problems...); err != nil {
		return preferences.Patch{}, err
	}
	return patch, nil
}

// member is one key of a JSON object with its raw value and full path.
type member struct {
	key   string
	path  string
	value json.RawMessage
}

// object checks that body is exactly one JSON object and returns its members
// in document order.
func object(body []byte) ([]member, error) {
	// Raw invalid UTF-8 is marked so that the text rule refuses it by path
	// instead of encoding/json replacing it with U+FFFD.
	dec := json.NewDecoder(bytes.NewReader(jsontext.MarkInvalidUTF8(body)))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return nil, malformed(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errs.E(errs.BadRequest, errs.CodeBadRequest, "The body must hold a single JSON value with nothing after it.")
	}
	if kindOf(raw) != '{' {
		return nil, errs.E(errs.BadRequest, errs.CodeBadRequest, "The body must be a JSON object.")
	}
	return members("", raw)
}

func malformed(err error) error {
	return &errs.Error{Kind: errs.BadRequest, Code: errs.CodeBadRequest, Message: "The body is not valid JSON.", Err: err}
}

// members lists the keys of raw, which must be a well-formed JSON object.
func members(prefix string, raw json.RawMessage) ([]member, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil { // the opening brace
		return nil, malformed(err)
	}
	var out []member
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, malformed(err)
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, malformed(err)
		}
		out = append(out, member{key: key, path: pathOf(prefix, key), value: v})
	}
	return out, nil
}

// pathOf joins a key to its parent's path. A key that is not a plain name
// (empty, or with dots, spaces or other signs) is written in brackets as a
// JSON string, so that every reported path is non-empty and unambiguous:
// {"": 1} is reported at `[""]`, {"learning": {"a.b": 1}} at `learning["a.b"]`.
func pathOf(prefix, key string) string {
	plain := key != ""
	for _, r := range key {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			plain = false
			break
		}
	}
	switch {
	case !plain:
		quoted, _ := json.Marshal(key)
		return prefix + "[" + string(quoted) + "]"
	case prefix == "":
		return key
	default:
		return prefix + "." + key
	}
}

// kindOf is the first byte of a well-formed JSON value: '{', '[', '"', 't',
// 'f', 'n', or a digit or '-' for a number.
func kindOf(raw json.RawMessage) byte {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	if len(raw) == 0 {
		return 0
	}
	return raw[0]
}

// decoder collects the problems found while reading one body.
type decoder struct {
	problems []errs.FieldError
}

func (d *decoder) bad(path, msg string) {
	d.problems = append(d.problems, errs.Field(path, msg))
}

func (d *decoder) unknown(m member) { d.bad(m.path, "is not a known field") }

// unique drops repeated keys, reporting each repeat: encoding/json would
// silently keep the last one, and a client sending two values has a bug.
func (d *decoder) unique(ms []member) []member {
	seen := make(map[string]bool, len(ms))
	out := ms[:0:0]
	for _, m := range ms {
		if seen[m.key] {
			d.bad(m.path, "is given more than once")
			continue
		}
		seen[m.key] = true
		out = append(out, m)
	}
	return out
}

// section returns the members of a nested object such as "learning".
func (d *decoder) section(m member) []member {
	switch kindOf(m.value) {
	case 'n':
		d.bad(m.path, "must not be null")
		return nil
	case '{':
	default:
		d.bad(m.path, "must be an object")
		return nil
	}
	ms, err := members(m.path, m.value)
	if err != nil { // cannot happen: the whole body was parsed already
		d.bad(m.path, "must be an object")
		return nil
	}
	return d.unique(ms)
}

func (d *decoder) str(m member) preferences.Opt[string] {
	switch kindOf(m.value) {
	case 'n':
		d.bad(m.path, "must not be null")
	case '"':
		var s string
		if err := json.Unmarshal(m.value, &s); err == nil {
			if msg := text.Check(s, text.Line); msg != "" {
				d.bad(m.path, msg)
				return preferences.Opt[string]{}
			}
			return preferences.Set(s)
		}
		d.bad(m.path, "must be a string")
	default:
		d.bad(m.path, "must be a string")
	}
	return preferences.Opt[string]{}
}

func (d *decoder) nullableStr(m member) preferences.Nullable[string] {
	switch kindOf(m.value) {
	case 'n':
		return preferences.SetNull[string]()
	case '"':
		var s string
		if err := json.Unmarshal(m.value, &s); err == nil {
			if msg := text.Check(s, text.Line); msg != "" {
				d.bad(m.path, msg)
				return preferences.Nullable[string]{}
			}
			return preferences.SetValue(s)
		}
	}
	d.bad(m.path, "must be a string or null")
	return preferences.Nullable[string]{}
}

func (d *decoder) boolean(m member) preferences.Opt[bool] {
	switch kindOf(m.value) {
	case 'n':
		d.bad(m.path, "must not be null")
	case 't', 'f':
		var b bool
		if err := json.Unmarshal(m.value, &b); err == nil {
			return preferences.Set(b)
		}
		d.bad(m.path, "must be a boolean")
	default:
		d.bad(m.path, "must be a boolean")
	}
	return preferences.Opt[bool]{}
}

// integer accepts a JSON number with an integral value. 20.0 and 2e1 are the
// same number as 20 in JSON, so they are taken; 20.5 is not an integer.
// Numbers beyond the int range cannot be in any allowed range, so they are
// reported here with the range message rather than wrapped around.
func (d *decoder) integer(m member) preferences.Opt[int] {
	k := kindOf(m.value)
	switch {
	case k == 'n':
		d.bad(m.path, "must not be null")
		return preferences.Opt[int]{}
	case k != '-' && (k < '0' || k > '9'):
		d.bad(m.path, "must be an integer")
		return preferences.Opt[int]{}
	}
	text := string(bytes.TrimSpace(m.value))
	if n, err := strconv.ParseInt(text, 10, 64); err == nil && n >= math.MinInt && n <= math.MaxInt {
		return preferences.Set(int(n))
	}
	f, err := strconv.ParseFloat(text, 64)
	switch {
	case err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<53:
		return preferences.Set(int(f))
	case err == nil && f != math.Trunc(f):
		d.bad(m.path, "must be an integer")
	default: // too large in magnitude for an int, or for a float64
		d.bad(m.path, "must be between 5 and 500")
	}
	return preferences.Opt[int]{}
}
