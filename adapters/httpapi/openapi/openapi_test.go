package openapi_test

import (
	"testing"

	"github.com/lingo-labs/lingo/adapters/httpapi/openapi"
)

func TestDocumentIsValid(t *testing.T) {
	doc, err := openapi.Document()
	if err != nil {
		t.Fatal(err)
	}
	if doc.Paths.Len() == 0 {
		t.Fatal("document has no paths")
	}
	if _, err := openapi.JSON(); err != nil {
		t.Fatal(err)
	}
}
