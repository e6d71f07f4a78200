package errs_test

import (
	"errors"
	"testing"

	"github.com/lingo-labs/lingo/domain/errs"
)

func TestMergeJoinsFieldProblemsOncePerPath(t *testing.T) {
	decoder := errs.Validation(errs.Field("display_name", "is required"), errs.Field("email", "must be a string"))
	rules := errs.Validation(errs.Field("email", "must not be empty"), errs.Field("display_name", "must not be empty"),
		errs.Field("password", "must be between 8 and 128 characters"))
	e, ok := errs.As(errs.Merge(decoder, nil, rules))
	if !ok || e.Kind != errs.Invalid {
		t.Fatalf("got %v", e)
	}
	want := []string{"display_name: is required", "email: must be a string", "password: must be between 8 and 128 characters"}
	if len(e.Fields) != len(want) {
		t.Fatalf("got %v", e.Fields)
	}
	for i, f := range e.Fields {
		if got := f.Field + ": " + f.Message; got != want[i] {
			t.Errorf("problem %d = %q, want %q", i, got, want[i])
		}
	}
}

func TestMergeLetsOtherKindsWin(t *testing.T) {
	bad := errs.E(errs.BadRequest, errs.CodeMalformedJSON, "not JSON")
	if got := errs.Merge(errs.Validation(errs.Field("a", "x")), bad); got != bad {
		t.Fatalf("got %v", got)
	}
	plain := errors.New("boom")
	if got := errs.Merge(nil, plain); got != plain {
		t.Fatalf("got %v", got)
	}
	if errs.Merge(nil, nil) != nil {
		t.Fatal("nothing to merge must be nil")
	}
}
