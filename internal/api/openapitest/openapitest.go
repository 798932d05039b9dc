// Package openapitest checks HTTP responses against the API's contract,
// docs/openapi.yaml, with kin-openapi: status, headers and body of every
// response a test gets must be ones the document describes. The API tests
// and the dev server tests use it; no program does.
package openapitest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"jobline/docs"
)

// Checker checks responses against the OpenAPI document.
type Checker struct {
	doc    *openapi3.T
	router routers.Router
}

// New loads and validates docs/openapi.yaml. Requests are matched at the
// root and under /api (the dev server's two mounts), whatever their host.
func New() (*Checker, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(docs.OpenAPIYAML)
	if err != nil {
		return nil, fmt.Errorf("load openapi.yaml: %w", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("openapi.yaml is not a valid OpenAPI document: %w", err)
	}
	doc.Servers = openapi3.Servers{{URL: "/api"}, {URL: "/"}}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("route openapi.yaml: %w", err)
	}
	return &Checker{doc: doc, router: router}, nil
}

var (
	shared     *Checker
	sharedErr  error
	sharedOnce sync.Once
)

// Shared returns one Checker for the whole test binary, failing t if the
// document does not load.
func Shared(t testing.TB) *Checker {
	t.Helper()
	sharedOnce.Do(func() { shared, sharedErr = New() })
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return shared
}

// Check reports how a response to req breaks the document, or nil; only
// req's method, URL and headers are read, never its body. A path
// the document does not have must answer 404 not_found, and a method it
// does not list on a known path 405 method_not_allowed with Allow (or the
// 404 not_found of a missing path, for a path hidden from the caller).
func (c *Checker) Check(req *http.Request, status int, header http.Header, body []byte) error {
	route, params, err := c.router.FindRoute(req)
	switch {
	case errors.Is(err, routers.ErrPathNotFound):
		return c.checkUnrouted(status, http.StatusNotFound, "NotFoundError", header, body)
	case errors.Is(err, routers.ErrMethodNotAllowed) && status == http.StatusNotFound:
		// A path hidden from this caller answers like a missing one.
		return c.checkUnrouted(status, http.StatusNotFound, "NotFoundError", header, body)
	case errors.Is(err, routers.ErrMethodNotAllowed):
		if header.Get("Allow") == "" {
			return errors.New("405 without an Allow header")
		}
		return c.checkUnrouted(status, http.StatusMethodNotAllowed, "MethodNotAllowedError", header, body)
	case err != nil:
		return fmt.Errorf("route %s %s: %w", req.Method, req.URL.Path, err)
	}
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 status,
		Header:                 header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	input.SetBodyBytes(body)
	if status == http.StatusNotModified {
		// kin-openapi skips 304s; check them here: documented, no body,
		// the required headers present.
		return c.checkNotModified(route, header, body)
	}
	if err := openapi3filter.ValidateResponse(context.Background(), input); err != nil {
		return fmt.Errorf("%s %s answered %d, which %s does not allow: %w", req.Method, req.URL.Path, status, route.Path, err)
	}
	return nil
}

// checkUnrouted checks an answer to a request that is no operation of the
// document: the status must be want and the body the named schema.
func (c *Checker) checkUnrouted(status, want int, schema string, header http.Header, body []byte) error {
	if status != want {
		return fmt.Errorf("a request that is no documented operation answered %d, want %d", status, want)
	}
	if ct := header.Get("Content-Type"); ct != "application/json" {
		return fmt.Errorf("%d answered with Content-Type %q, want application/json", status, ct)
	}
	return c.checkBody(schema, body)
}

// checkBody validates a JSON body against the named component schema.
func (c *Checker) checkBody(schema string, body []byte) error {
	ref, ok := c.doc.Components.Schemas[schema]
	if !ok {
		return fmt.Errorf("openapi.yaml has no schema %s", schema)
	}
	value, err := decodeJSON(body)
	if err != nil {
		return err
	}
	if err := ref.Value.VisitJSON(value, openapi3.EnableJSONSchema2020(), openapi3.MultiErrors()); err != nil {
		return fmt.Errorf("body does not match %s: %w", schema, err)
	}
	return nil
}

// checkNotModified checks a 304: the operation documents one, it has no
// body, and every required header of the documented 304 is there.
func (c *Checker) checkNotModified(route *routers.Route, header http.Header, body []byte) error {
	ref := route.Operation.Responses.Status(http.StatusNotModified)
	if ref == nil || ref.Value == nil {
		return fmt.Errorf("%s %s answered 304, which it does not document", route.Method, route.Path)
	}
	if len(body) != 0 {
		return fmt.Errorf("304 with a body: %q", body)
	}
	for name, h := range ref.Value.Headers {
		if h.Value.Required && header.Get(name) == "" {
			return fmt.Errorf("304 without the required header %s", name)
		}
	}
	return nil
}

// Handler returns h with every response checked; a response that breaks
// the document fails t. It serves through a recorder, then copies the
// answer to the real writer.
func (c *Checker) Handler(t testing.TB, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if err := c.Check(r, rec.Code, rec.Header(), rec.Body.Bytes()); err != nil {
			t.Errorf("contract: %v\nbody: %s", err, rec.Body)
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}

// decodeJSON decodes a response body as kin-openapi's validators expect it
// (numbers as float64, objects as map[string]any).
func decodeJSON(body []byte) (any, error) {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return nil, fmt.Errorf("body is not JSON: %w (%q)", err, body)
	}
	return v, nil
}
