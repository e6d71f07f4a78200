package httpapi

import (
	"bytes"
	"encoding/json"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/lingo-labs/lingo/application/analytics"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/learning"
)

// The event routes are the hot path of ingest: a batch carries up to 100
// events, and the generic BindRaw (a tree, a second full decode into the DTO
// by reflection, then the validator) cost about as much server time as the
// database did. The functions here read the same bodies once and give the
// same answers; anything unusual goes back to the generic path, so its
// answers stay the one definition of what a bad body gets.

var eventInputType = reflect.TypeOf(eventInputDTO{})

// bindBatchEvents reads a batch body into its items without building a tree
// of the whole body. A body that is not exactly {"events": [...]} is handed
// to BindBytes, which gives the 400 or 422 it always gave.
func bindBatchEvents(body []byte) ([]json.RawMessage, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err == nil && len(top) == 1 {
		if ev, ok := top["events"]; ok && bytes.HasPrefix(bytes.TrimLeft(ev, " \t\r\n"), []byte("[")) {
			var events []json.RawMessage
			if err := json.Unmarshal(ev, &events); err == nil {
				return events, nil
			}
		}
	}
	var in struct {
		Events []json.RawMessage `json:"events"`
	}
	if err := BindBytes(body, &in); err != nil {
		return nil, err
	}
	return in.Events, nil
}

// readBatch reads a batch body into its items, each decoded as a single
// event's body is (decodeEvent), on up to GOMAXPROCS goroutines. The body
// is cut into its elements by splitBatch; when it is not that simple, or
// an element turns out not to be JSON, bindBatchEvents reads it instead
// and gives the answer it always gave.
func readBatch(body []byte) ([]analytics.BatchItem, error) {
	if events, ok := splitBatch(body); ok {
		items := decodeItems(events)
		if !slices.ContainsFunc(items, func(it analytics.BatchItem) bool { return errs.KindOf(it.Err) == errs.BadRequest }) {
			return items, nil
		}
	}
	events, err := bindBatchEvents(body)
	if err != nil {
		return nil, err
	}
	return decodeItems(events), nil
}

// decodeItems decodes a batch's elements; an item that cannot be read
// carries its problem, and its event_id when it has one.
func decodeItems(events []json.RawMessage) []analytics.BatchItem {
	items := make([]analytics.BatchItem, len(events))
	forEachParallel(len(events), func(i int) {
		rawItem := events[i]
		sub, err := decodeEvent(rawItem)
		if err != nil {
			// The key of an item that cannot be read is still reported when
			// it is there, so the client can match the rejection.
			var probe struct {
				EventID *string `json:"event_id"`
			}
			if json.Unmarshal(rawItem, &probe) == nil {
				sub.Input.EventID = probe.EventID
			}
		}
		items[i] = analytics.BatchItem{Submission: sub, Err: err}
	})
	return items
}

// bindEvent is BindRaw for an event body: the body is decoded once into a
// tree, checked against the DTO's shape as BindRaw does, and the DTO is then
// filled from the tree instead of decoding the body a second time. It returns
// the tree for the body hash. As BindRaw, on a shape problem it still fills
// in every usable value, so the caller's rules can report theirs too.
func bindEvent(body []byte, in *eventInputDTO) (any, error) {
	var raw any
	if flat, ok := parseFlat(body); ok {
		raw = flat
	} else {
		var err error
		if raw, err = ParseJSON(body); err != nil {
			return nil, err
		}
	}
	problems := checkShape(raw, eventInputType, "")
	obj, isObject := raw.(map[string]any)
	if !isObject || !fillEvent(obj, in) {
		*in = eventInputDTO{}
		return BindRaw(body, in)
	}
	// EventType's `validate:"required"` is the DTO's one rule; Validate
	// would name it the same way.
	var required error
	if in.EventType == "" {
		required = errs.Validation(errs.Field("event_type", "is required"))
	}
	if len(problems) > 0 {
		return nil, errs.Merge(errs.Validation(problems...), required)
	}
	return raw, required
}

// fillEvent sets in from a tree checkShape accepted, so every value has the
// JSON type of its field. It reports false for a value it cannot convert
// exactly as encoding/json would (a metadata number out of float64's range),
// leaving that body to the generic path.
func fillEvent(obj map[string]any, in *eventInputDTO) bool {
	str := func(v any) *string {
		if v == nil {
			return nil
		}
		s := v.(string)
		return &s
	}
	num := func(v any) *int {
		if v == nil {
			return nil
		}
		// checkShape has parsed it as an integer in int's range.
		n, _ := strconv.ParseInt(string(v.(json.Number)), 10, 64)
		i := int(n)
		return &i
	}
	for k, v := range obj {
		switch k {
		case "event_id":
			in.EventID = str(v)
		case "event_type":
			in.EventType = v.(string)
		case "occurred_at":
			in.OccurredAt = str(v)
		case "session_id":
			in.SessionID = str(v)
		case "course_id":
			in.CourseID = str(v)
		case "lesson_id":
			in.LessonID = str(v)
		case "exercise_id":
			in.ExerciseID = str(v)
		case "duration_seconds":
			in.DurationSeconds = num(v)
		case "score":
			in.Score = num(v)
		case "is_correct":
			if v != nil {
				b := v.(bool)
				in.IsCorrect = &b
			}
		case "device_type":
			in.DeviceType = str(v)
		case "platform":
			in.Platform = str(v)
		case "app_version":
			in.AppVersion = str(v)
		case "metadata":
			m, ok := plainJSON(v)
			if !ok {
				return false
			}
			in.Metadata = m.(map[string]any)
		default:
			return false // checkShape knows the DTO's fields; this is a guard
		}
	}
	return true
}

// plainJSON turns a tree decoded with UseNumber into the values encoding/json
// decodes into `any`: numbers become float64. It copies, for the tree itself
// is hashed as written.
func plainJSON(v any) (any, bool) {
	switch x := v.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		return f, err == nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			p, ok := plainJSON(e)
			if !ok {
				return nil, false
			}
			out[k] = p
		}
		return out, true
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			p, ok := plainJSON(e)
			if !ok {
				return nil, false
			}
			out[i] = p
		}
		return out, true
	}
	return v, true
}

// idKeys are the members of an event body that hold a UUID.
var idKeys = [...]string{"event_id", "course_id", "lesson_id"}

// lowerIDs writes the UUIDs of an event body's tree in lower case, as the
// stored event keeps them: UUIDs compare without regard to case, so an
// event sent again with its event_id in upper case is the same body (a
// replay), not another one (a conflict).
func lowerIDs(raw any) {
	obj, ok := raw.(map[string]any)
	if !ok {
		return
	}
	for _, k := range idKeys {
		if s, ok := obj[k].(string); ok && learning.IsUUID(s) {
			obj[k] = strings.ToLower(s)
		}
	}
}

// minParallelItems is the fewest items worth a second goroutine: below it
// the hand-off costs more than decoding.
const minParallelItems = 16

// forEachParallel runs fn(i) for i in [0, n) on up to GOMAXPROCS goroutines,
// each taking a contiguous run of indexes. Decoding a batch's items is pure
// CPU while the request holds no lock and waits for nothing, so a second
// core halves it; fn must write only to its own index.
func forEachParallel(n int, fn func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n/minParallelItems)
	if workers < 2 {
		for i := range n {
			fn(i)
		}
		return
	}
	var wg sync.WaitGroup
	per := (n + workers - 1) / workers
	for start := 0; start < n; start += per {
		end := min(start+per, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := start; i < end; i++ {
				fn(i)
			}
		}()
	}
	wg.Wait()
}

// appendCanonical appends what json.Marshal writes for a tree ParseJSON
// made, without reflection: bodyHash runs once per event and its hashes are
// stored, so the bytes must be exactly json.Marshal's. Strings that need
// escaping go through json.Marshal itself; a value of another type reports
// false and the caller marshals the whole tree.
func appendCanonical(b []byte, v any) ([]byte, bool) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), true
	case bool:
		return strconv.AppendBool(b, x), true
	case json.Number:
		if x == "" {
			return b, false
		}
		return append(b, x...), true
	case string:
		return appendJSONString(b, x), true
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			var ok bool
			if b, ok = appendCanonical(b, e); !ok {
				return b, false
			}
		}
		return append(b, ']'), true
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = append(b, ':')
			var ok bool
			if b, ok = appendCanonical(b, x[k]); !ok {
				return b, false
			}
		}
		return append(b, '}'), true
	}
	return b, false
}

// appendJSONString writes s quoted; only printable ASCII that encoding/json
// leaves as it is is written directly.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
