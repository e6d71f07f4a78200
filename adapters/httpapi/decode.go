package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"
	"github.com/go-playground/validator/v10"

	"github.com/lingo-labs/lingo/adapters/httpapi/jsontext"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/text"
)

// MaxJSONBody is the largest JSON body any endpoint reads (the OpenAPI document: 1 MiB).
const MaxJSONBody = 1 << 20

// ReadBody reads the whole body, refusing one over limit bytes with TooLarge
// after reading at most limit+1 bytes.
func ReadBody(c *gin.Context, limit int64) ([]byte, error) {
	if c.Request.ContentLength > limit {
		return nil, errs.E(errs.TooLarge, errs.CodePayloadTooLarge, fmt.Sprintf("The body must be at most %d bytes.", limit))
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, limit))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, errs.E(errs.TooLarge, errs.CodePayloadTooLarge, fmt.Sprintf("The body must be at most %d bytes.", limit))
	}
	if err != nil {
		return nil, errs.Wrap(errs.BadRequest, errs.CodeBadRequest, err)
	}
	return body, nil
}

// Bind reads the JSON body into dst (a pointer to a DTO struct) strictly:
// malformed JSON or trailing data is a BadRequest; unknown fields, wrong types
// and values breaking the DTO's `validate` tags are one Invalid error with a
// field problem per path, all of them at once.
func Bind(c *gin.Context, dst any) error {
	body, err := ReadBody(c, MaxJSONBody)
	if err != nil {
		return err
	}
	return BindBytes(body, dst)
}

// BindBytes is Bind over a body already read.
func BindBytes(body []byte, dst any) error {
	_, err := BindRaw(body, dst)
	return err
}

// BindRaw is BindBytes that also returns the decoded JSON value, for callers
// that need the body itself (the idempotency hash of an event).
//
// A 422 lists every problem at once: when some values have the wrong type
// or break the text rule, they are left out and the rest is still decoded
// into dst and checked against its `validate` tags, so dst holds every value
// that was usable and the error names the others. A caller that checks rules
// of its own on dst joins their problems with errs.Merge.
func BindRaw(body []byte, dst any) (any, error) {
	raw, err := ParseJSON(body)
	if err != nil {
		return nil, err
	}
	problems := checkShape(raw, reflect.TypeOf(dst).Elem(), "")
	if len(problems) == 0 {
		if err := json.Unmarshal(jsontext.MarkInvalidUTF8(body), dst); err != nil {
			// checkShape accepted it, so this is a value a custom type refused.
			return nil, errs.Validation(errs.Field("", "is not a valid value"))
		}
		return raw, Validate(dst)
	}
	// checkShape took the values it reported out of the tree; what is left
	// has the right types, so it decodes.
	if b, err := json.Marshal(raw); err == nil {
		_ = json.Unmarshal(b, dst)
	}
	return nil, errs.Merge(errs.Validation(problems...), Validate(dst))
}

// ParseJSON decodes exactly one JSON value (numbers kept exact) and refuses
// an empty body or anything after the value. Raw invalid UTF-8 inside a
// string is marked first (jsontext), so the text rule refuses it by path
// instead of encoding/json replacing it with U+FFFD.
func ParseJSON(body []byte) (any, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, errs.E(errs.BadRequest, errs.CodeBadRequest, "The request body must be a JSON value.")
	}
	dec := json.NewDecoder(bytes.NewReader(jsontext.MarkInvalidUTF8(body)))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil {
		return nil, errs.E(errs.BadRequest, errs.CodeMalformedJSON, "The request body is not valid JSON.")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errs.E(errs.BadRequest, errs.CodeMalformedJSON, "The request body has data after the JSON value.")
	}
	return raw, nil
}

var (
	unmarshalerType = reflect.TypeOf((*json.Unmarshaler)(nil)).Elem()
	rawMessageType  = reflect.TypeOf(json.RawMessage(nil))
)

// checkShape compares a decoded JSON value with the Go type it will be
// decoded into, reporting every unknown field, wrong type, number out of
// range and string breaking the text rule (domain/text) with its path.
// encoding/json stops at the first problem and names no path for unknown
// fields; clients need all of them, by path. A value reported itself is
// taken out of the tree (a member deleted, an element set to null), so that
// the rest, the other members of its object included, can still be decoded
// and checked by the rules.
func checkShape(raw any, t reflect.Type, path string) []errs.FieldError {
	return shape(raw, t, path, text.Line)
}

func shape(raw any, t reflect.Type, path string, form text.Form) []errs.FieldError {
	if t.Kind() == reflect.Pointer {
		if raw == nil {
			return nil // absent and null both mean "not given"; `validate:"required"` decides
		}
		t = t.Elem()
	}
	if t == rawMessageType {
		return nil // decoded later by its own decoder (a batch's items), which checks it
	}
	if t.Kind() == reflect.Interface {
		// Free-form JSON (event metadata): free text, numbers in float64's range.
		return freeForm(raw, path)
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		return nil // the type validates itself
	}
	if raw == nil {
		return []errs.FieldError{errs.Field(path, "must not be null")}
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := raw.(map[string]any)
		if !ok {
			return []errs.FieldError{errs.Field(path, "must be an object")}
		}
		fields := jsonFields(t)
		var out []errs.FieldError
		for _, key := range sortedKeys(obj) {
			f, ok := fields[key]
			if !ok {
				out = append(out, errs.FieldCode(join(path, key), errs.CodeUnknownField, "is not a known field"))
				delete(obj, key)
				continue
			}
			if p := shape(obj[key], f.Type, join(path, key), textFormOf(f)); len(p) > 0 {
				out = append(out, p...)
				if atPath(p, join(path, key)) {
					delete(obj, key)
				}
			}
		}
		return out
	case reflect.Map:
		obj, ok := raw.(map[string]any)
		if !ok {
			return []errs.FieldError{errs.Field(path, "must be an object")}
		}
		keyForm := text.Line
		if t.Elem().Kind() == reflect.Interface {
			keyForm = text.Multiline // a free-form object's keys are free text too
		}
		var out []errs.FieldError
		for _, key := range sortedKeys(obj) {
			if msg := text.Check(key, keyForm); msg != "" {
				out = append(out, errs.Field(path, "keys "+msg))
				delete(obj, key)
				continue
			}
			if p := shape(obj[key], t.Elem(), join(path, key), form); len(p) > 0 {
				out = append(out, p...)
				if atPath(p, join(path, key)) {
					delete(obj, key)
				}
			}
		}
		return out
	case reflect.Slice, reflect.Array:
		arr, ok := raw.([]any)
		if !ok {
			return []errs.FieldError{errs.Field(path, "must be an array")}
		}
		var out []errs.FieldError
		for i, e := range arr {
			at := fmt.Sprintf("%s[%d]", path, i)
			if p := shape(e, t.Elem(), at, form); len(p) > 0 {
				out = append(out, p...)
				if atPath(p, at) {
					arr[i] = nil
				}
			}
		}
		return out
	case reflect.String:
		s, ok := raw.(string)
		if !ok {
			return []errs.FieldError{errs.Field(path, "must be a string")}
		}
		if msg := text.Check(s, form); msg != "" {
			return []errs.FieldError{errs.Field(path, msg)}
		}
	case reflect.Bool:
		if _, ok := raw.(bool); !ok {
			return []errs.FieldError{errs.Field(path, "must be a boolean")}
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := raw.(json.Number)
		if !ok {
			return []errs.FieldError{errs.Field(path, "must be an integer")}
		}
		v, err := strconv.ParseInt(n.String(), 10, 64)
		if err != nil || reflect.Zero(t).OverflowInt(v) {
			return []errs.FieldError{errs.Field(path, "must be an integer in range")}
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, ok := raw.(json.Number)
		if !ok {
			return []errs.FieldError{errs.Field(path, "must be a non-negative integer")}
		}
		v, err := strconv.ParseUint(n.String(), 10, 64)
		if err != nil || reflect.Zero(t).OverflowUint(v) {
			return []errs.FieldError{errs.Field(path, "must be a non-negative integer in range")}
		}
	case reflect.Float32, reflect.Float64:
		n, ok := raw.(json.Number)
		if !ok {
			return []errs.FieldError{errs.Field(path, "must be a number")}
		}
		if _, err := strconv.ParseFloat(n.String(), t.Bits()); err != nil {
			return []errs.FieldError{errs.Field(path, "must be a number in range")}
		}
	}
	return nil
}

var fieldCache sync.Map // reflect.Type → map[string]reflect.StructField

func jsonFields(t reflect.Type) map[string]reflect.StructField {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]reflect.StructField)
	}
	m := map[string]reflect.StructField{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name := jsonName(f)
		if name == "-" {
			continue
		}
		m[name] = f
	}
	fieldCache.Store(t, m)
	return m
}

func jsonName(f reflect.StructField) string {
	tag := f.Tag.Get("json")
	name, _, _ := strings.Cut(tag, ",")
	if name == "" {
		return f.Name
	}
	return name
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys) // a stable order keeps answers deterministic
	return keys
}

var validate = func() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		if n := jsonName(f); n != "-" {
			return n
		}
		return ""
	})
	return v
}()

// Validate runs the DTO's `validate` tags and reports every failure by JSON path.
func Validate(dst any) error {
	err := validate.Struct(dst)
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) {
		return err
	}
	problems := make([]errs.FieldError, 0, len(verrs))
	for _, fe := range verrs {
		ns := fe.Namespace()
		if i := strings.IndexByte(ns, '.'); i >= 0 {
			ns = ns[i+1:] // drop the root struct's name
		}
		problems = append(problems, errs.Field(ns, message(fe)))
	}
	return errs.Validation(problems...)
}

func message(fe validator.FieldError) string {
	kind := fe.Kind()
	isText := kind == reflect.String
	isList := kind == reflect.Slice || kind == reflect.Array || kind == reflect.Map
	switch fe.Tag() {
	case "required", "required_if", "required_with", "required_without":
		return "is required"
	case "min", "gte":
		switch {
		case isText:
			return "must be at least " + fe.Param() + " characters"
		case isList:
			return "must have at least " + fe.Param() + " items"
		}
		return "must be at least " + fe.Param()
	case "max", "lte":
		switch {
		case isText:
			return "must be at most " + fe.Param() + " characters"
		case isList:
			return "must have at most " + fe.Param() + " items"
		}
		return "must be at most " + fe.Param()
	case "oneof":
		return "must be one of: " + strings.ReplaceAll(fe.Param(), " ", ", ")
	case "email":
		return "must be a valid email address"
	case "uuid", "uuid4":
		return "must be a UUID"
	}
	return "is invalid (" + fe.Tag() + ")"
}
