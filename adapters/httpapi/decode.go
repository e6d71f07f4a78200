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

	"github.com/lingo-labs/lingo/domain/errs"
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
func BindRaw(body []byte, dst any) (any, error) {
	raw, err := ParseJSON(body)
	if err != nil {
		return nil, err
	}
	if problems := checkShape(raw, reflect.TypeOf(dst).Elem(), ""); len(problems) > 0 {
		return nil, errs.Validation(problems...)
	}
	if err := json.Unmarshal(body, dst); err != nil {
		// checkShape accepted it, so this is a value a custom type refused.
		return nil, errs.Validation(errs.Field("", err.Error()))
	}
	return raw, Validate(dst)
}

// ParseJSON decodes exactly one JSON value (numbers kept exact) and refuses
// an empty body or anything after the value.
func ParseJSON(body []byte) (any, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, errs.E(errs.BadRequest, errs.CodeBadRequest, "The request body must be a JSON value.")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
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
// decoded into, reporting every unknown field and wrong type with its path.
// encoding/json stops at the first problem and names no path for unknown
// fields; clients need all of them, by path.
func checkShape(raw any, t reflect.Type, path string) []errs.FieldError {
	if t.Kind() == reflect.Pointer {
		if raw == nil {
			return nil // absent and null both mean "not given"; `validate:"required"` decides
		}
		t = t.Elem()
	}
	if t == rawMessageType || t.Kind() == reflect.Interface || reflect.PointerTo(t).Implements(unmarshalerType) {
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
				continue
			}
			out = append(out, checkShape(obj[key], f.Type, join(path, key))...)
		}
		return out
	case reflect.Map:
		obj, ok := raw.(map[string]any)
		if !ok {
			return []errs.FieldError{errs.Field(path, "must be an object")}
		}
		var out []errs.FieldError
		for _, key := range sortedKeys(obj) {
			out = append(out, checkShape(obj[key], t.Elem(), join(path, key))...)
		}
		return out
	case reflect.Slice, reflect.Array:
		arr, ok := raw.([]any)
		if !ok {
			return []errs.FieldError{errs.Field(path, "must be an array")}
		}
		var out []errs.FieldError
		for i, e := range arr {
			out = append(out, checkShape(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i))...)
		}
		return out
	case reflect.String:
		if _, ok := raw.(string); !ok {
			return []errs.FieldError{errs.Field(path, "must be a string")}
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
		if _, ok := raw.(json.Number); !ok {
			return []errs.FieldError{errs.Field(path, "must be a number")}
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
