package httpapi

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strconv"

	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/text"
)

// The text rule (domain/text) as the decoder applies it: which form a
// field's strings take, and the walk of free-form JSON.

// textFormOf is the text rule of a struct field: free text when it is
// tagged `text:"multiline"` (a course description), one line otherwise.
func textFormOf(f reflect.StructField) text.Form {
	if f.Tag.Get("text") == "multiline" {
		return text.Multiline
	}
	return text.Line
}

// freeForm checks a free-form JSON value: every string (keys too) keeps the
// free-text rule and every number fits a float64, which is what
// encoding/json decodes it into (1e400 does not). Problems are reported at
// the value's own path; a key is reported on its object. Values it reports
// are taken out of the tree like shape's.
func freeForm(raw any, path string) []errs.FieldError {
	switch x := raw.(type) {
	case string:
		if msg := text.Check(x, text.Multiline); msg != "" {
			return []errs.FieldError{errs.Field(path, msg)}
		}
	case json.Number:
		if _, err := strconv.ParseFloat(x.String(), 64); err != nil {
			return []errs.FieldError{errs.Field(path, "must be a number in range")}
		}
	case map[string]any:
		// Metadata is on the hot path of ingest: its keys are not sorted
		// unless there are problems to put in a stable order.
		var out []errs.FieldError
		for key, v := range x {
			if msg := text.Check(key, text.Multiline); msg != "" {
				out = append(out, errs.Field(path, "keys "+msg))
				delete(x, key)
				continue
			}
			if p := freeForm(v, join(path, key)); len(p) > 0 {
				out = append(out, p...)
				if atPath(p, join(path, key)) {
					delete(x, key)
				}
			}
		}
		if len(out) > 1 {
			sort.SliceStable(out, func(i, j int) bool { return out[i].Field < out[j].Field })
		}
		return out
	case []any:
		var out []errs.FieldError
		for i, e := range x {
			at := fmt.Sprintf("%s[%d]", path, i)
			if p := freeForm(e, at); len(p) > 0 {
				out = append(out, p...)
				if atPath(p, at) {
					x[i] = nil
				}
			}
		}
		return out
	}
	return nil
}

// atPath reports whether one of problems is about the value at path itself,
// not something inside it: that value cannot be decoded and is taken out of
// the tree, while a value with a problem deeper in keeps its good parts.
func atPath(problems []errs.FieldError, path string) bool {
	for _, p := range problems {
		if p.Field == path {
			return true
		}
	}
	return false
}
