package harness

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver, for schema setup

	"github.com/lingo-labs/lingo/adapters/httpapi/openapi"
)

var (
	routerOnce sync.Once
	router     routers.Router
	doc        *openapi3.T
	routerErr  error
)

func contractRouter() (routers.Router, *openapi3.T, error) {
	routerOnce.Do(func() {
		doc, routerErr = openapi.Document()
		if routerErr != nil {
			return
		}
		router, routerErr = gorillamux.NewRouter(doc)
	})
	return router, doc, routerErr
}

// TestRoutePrefix is where tests mount routes of their own; the document
// does not list them, so their answers are checked against the envelope only.
const TestRoutePrefix = "/api/test/"

// CheckContract validates one response against the document: its operation's
// declared status (or default), content type and schema. A response to a
// route the document does not know must be the error envelope.
func CheckContract(req *http.Request, status int, header http.Header, body []byte) error {
	r, d, err := contractRouter()
	if err != nil {
		return err
	}
	// The request's body was consumed; the check needs only its route.
	probe := req.Clone(context.Background())
	probe.Body = io.NopCloser(bytes.NewReader(nil))
	probe.URL.Host, probe.URL.Scheme = "", ""
	route, params, err := r.FindRoute(probe)
	if err != nil {
		if errors.Is(err, routers.ErrPathNotFound) || errors.Is(err, routers.ErrMethodNotAllowed) {
			switch {
			case status >= 400:
				return validateSchema(d.Components.Schemas["ErrorEnvelope"].Value, body)
			case strings.HasPrefix(req.URL.Path, TestRoutePrefix):
				return validateSchema(d.Components.Schemas["SuccessEnvelope"].Value, body)
			}
			return fmt.Errorf("the route is not in the document but answered %d", status)
		}
		return err
	}
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: probe, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
		},
		Status: status,
		Header: header,
		Body:   io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{
			IncludeResponseStatus: true,
			MultiError:            true,
		},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), input); err != nil {
		return err
	}
	return nil
}

func validateSchema(s *openapi3.Schema, body []byte) error {
	v, err := decodeAny(body)
	if err != nil {
		return err
	}
	return s.VisitJSON(v, openapi3.MultiErrors())
}

func execPostgres(dsn, stmt string) error {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.Exec(stmt)
	return err
}
