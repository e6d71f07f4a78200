package learning

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/lingo-labs/lingo/domain/errs"
)

// IsUUID reports whether s is a UUID in its 8-4-4-4-12 hex text form, the
// syntax the contract requires of every id.
func IsUUID(s string) bool {
	_, ok := normUUID(s)
	return ok
}

// normUUID checks UUID syntax and lower-cases it, so that an id in upper
// case finds the same catalog row and the same idempotency key.
func normUUID(s string) (string, bool) {
	if len(s) != 36 {
		return "", false
	}
	for i, r := range s {
		switch i {
		case 8, 13, 18, 23:
			if r != '-' {
				return "", false
			}
		default:
			if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F') {
				return "", false
			}
		}
	}
	return strings.ToLower(s), true
}

func checkLen(field string, v *string, max int, add func(errs.FieldError)) *string {
	if v == nil {
		return nil
	}
	if utf8.RuneCountInString(*v) > max {
		add(errs.Field(field, fmt.Sprintf("must be at most %d characters", max)))
	}
	return v
}

func checkUUID(field string, v *string, add func(errs.FieldError)) *string {
	if v == nil {
		return nil
	}
	u, ok := normUUID(*v)
	if !ok {
		add(errs.Field(field, "must be a UUID"))
		return nil
	}
	return &u
}

func checkRange(field string, v *int, max int, add func(errs.FieldError)) *int {
	if v == nil {
		return nil
	}
	if *v < 0 || *v > max {
		add(errs.Field(field, fmt.Sprintf("must be between 0 and %d", max)))
	}
	return v
}

// depth is the nesting depth of a decoded JSON value: an object or an array
// is one level more than its deepest member, a scalar is zero. Arrays count
// as levels because they nest like objects in storage and in clients.
func depth(v any) int {
	deepest := 0
	switch x := v.(type) {
	case map[string]any:
		for _, m := range x {
			deepest = max(deepest, depth(m))
		}
	case []any:
		for _, m := range x {
			deepest = max(deepest, depth(m))
		}
	default:
		return 0
	}
	return deepest + 1
}

func deref[T any](p *T) (T, bool) {
	if p == nil {
		var zero T
		return zero, false
	}
	return *p, true
}
