// Package openapi embeds Lingo's OpenAPI 3 document, the contract the
// handlers are checked against in every service test.
package openapi

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
)

//go:embed openapi.yaml
var yamlDoc []byte

var (
	once    sync.Once
	doc     *openapi3.T
	jsonDoc []byte
	loadErr error
)

func load() {
	loader := openapi3.NewLoader()
	doc, loadErr = loader.LoadFromData(yamlDoc)
	if loadErr != nil {
		return
	}
	if loadErr = doc.Validate(context.Background()); loadErr != nil {
		loadErr = fmt.Errorf("openapi document is invalid: %w", loadErr)
		return
	}
	jsonDoc, loadErr = json.Marshal(doc)
}

// Document is the parsed, validated document. Callers must not modify it.
func Document() (*openapi3.T, error) {
	once.Do(load)
	return doc, loadErr
}

// YAML is the document as written.
func YAML() []byte { return yamlDoc }

// JSON is the document converted to JSON.
func JSON() ([]byte, error) {
	once.Do(load)
	return jsonDoc, loadErr
}
