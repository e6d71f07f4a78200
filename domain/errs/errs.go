// Package errs is Lingo's one error vocabulary. Every layer returns errors of
// these kinds; the HTTP adapter maps a kind to a status in exactly one place.
package errs

import (
	"errors"
	"fmt"
	"strings"
)

// Kind says what went wrong in terms a caller can act on. The zero value is
// Internal so that an error nobody classified is never shown to a client.
type Kind int

const (
	Internal         Kind = iota // a bug or an unexpected failure: logged, never shown
	BadRequest                   // the request could not be read (malformed JSON)
	Invalid                      // the request was read but a value breaks a rule
	Unauthorized                 // no valid credentials
	Forbidden                    // valid credentials, not allowed
	NotFound                     // no such resource (or not the caller's)
	Conflict                     // the resource exists or its state forbids the change
	TooLarge                     // the body or file is over a size limit
	UnsupportedMedia             // the body or file is of a type we do not take
	RateLimited                  // over a quota
	Unavailable                  // a dependency is down; retrying later may work
	MethodNotAllowed             // the route exists with other methods
)

var kindNames = map[Kind]string{
	Internal: "internal", BadRequest: "bad_request", Invalid: "invalid",
	Unauthorized: "unauthorized", Forbidden: "forbidden", NotFound: "not_found",
	Conflict: "conflict", TooLarge: "too_large", UnsupportedMedia: "unsupported_media",
	RateLimited: "rate_limited", Unavailable: "unavailable", MethodNotAllowed: "method_not_allowed",
}

func (k Kind) String() string { return kindNames[k] }

// FieldError is one problem with one input value. Field is the JSON path
// ("learning.daily_xp_goal", "events[3].event_type") or a parameter name.
type FieldError struct {
	Field   string
	Code    string
	Message string
	Details map[string]any
}

// Error is a classified error. Code is a stable machine-readable word more
// specific than the kind ("email_taken"); Message is safe to show a user.
type Error struct {
	Kind    Kind
	Code    string
	Message string
	Details map[string]any
	Fields  []FieldError
	Err     error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Kind.String())
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	for _, f := range e.Fields {
		fmt.Fprintf(&b, "; %s: %s", f.Field, f.Message)
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// E makes an error of a kind with a code and a user-facing message.
func E(kind Kind, code, message string) *Error {
	return &Error{Kind: kind, Code: code, Message: message}
}

// Wrap classifies a cause. The cause's text is for logs, never for clients.
func Wrap(kind Kind, code string, err error) *Error {
	return &Error{Kind: kind, Code: code, Err: err}
}

// WithDetails returns e with structured details attached.
func (e *Error) WithDetails(d map[string]any) *Error {
	e.Details = d
	return e
}

// Field is one field problem with the default code validation_error.
func Field(field, message string) FieldError {
	return FieldError{Field: field, Code: CodeValidation, Message: message}
}

// FieldCode is one field problem with a specific code.
func FieldCode(field, code, message string) FieldError {
	return FieldError{Field: field, Code: code, Message: message}
}

// Validation returns an Invalid error holding every field problem, or nil
// when there are none, so that callers can collect problems and return once.
func Validation(fields ...FieldError) error {
	if len(fields) == 0 {
		return nil
	}
	return &Error{Kind: Invalid, Code: CodeValidation, Fields: fields}
}

// KindOf reports the kind of err; an unclassified error is Internal.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// As returns the classified error inside err, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Is reports whether err is of kind k.
func Is(err error, k Kind) bool { return err != nil && KindOf(err) == k }

// CodeOf reports the code of err, or "" when it has none.
func CodeOf(err error) string {
	if e, ok := As(err); ok {
		return e.Code
	}
	return ""
}

// Prefix returns a copy of every field problem of err with prefix put before
// its path ("events[3]" + "event_type"), so nested validators stay unaware of
// where their value sits.
func Prefix(prefix string, err error) error {
	e, ok := As(err)
	if !ok || len(e.Fields) == 0 {
		return err
	}
	out := *e
	out.Fields = make([]FieldError, len(e.Fields))
	for i, f := range e.Fields {
		switch {
		case f.Field == "":
			f.Field = prefix
		case strings.HasPrefix(f.Field, "["):
			f.Field = prefix + f.Field
		default:
			f.Field = prefix + "." + f.Field
		}
		out.Fields[i] = f
	}
	return &out
}

// Merge combines the problems found by the steps of one request, so that a
// 422 lists them all at once (the decoder's wrong types and missing fields
// with the rules' violations). An error of another kind than Invalid wins
// as it is (a malformed body is a 400 whatever else is wrong); else the
// field problems are joined in order, keeping only the first problem of each
// path: a later step that saw a missing or refused value as empty would
// otherwise report the same field twice. It returns nil when every error is.
func Merge(errors ...error) error {
	var fields []FieldError
	var first *Error
	seen := map[string]bool{}
	for _, err := range errors {
		if err == nil {
			continue
		}
		e, ok := As(err)
		if !ok || e.Kind != Invalid {
			return err
		}
		if first == nil {
			first = e
		}
		for _, f := range e.Fields {
			if !seen[f.Field] {
				seen[f.Field] = true
				fields = append(fields, f)
			}
		}
	}
	switch {
	case first == nil:
		return nil
	case len(fields) == 0:
		return first
	}
	out := *first
	out.Fields = fields
	return &out
}
