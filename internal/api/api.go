// Package api is Jobline's HTTP API (docs/api.md; the contract is
// docs/openapi.yaml): create, get, list and cancel jobs, list their assets
// and the job types, as plain net/http handlers.
// The dev server and the Lambda functions mount the same handler, so the
// API behaves the same locally and in AWS.
//
// The handler does not authenticate: an outer layer puts the caller's
// identity in the request context with WithUser (HeaderIdentity for the dev
// server, the JWT authorizer's claims in AWS). A request without one is
// answered 401.
package api

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path"
	"time"

	"jobline/internal/clock"
	"jobline/internal/jobs"
	"jobline/internal/metrics"
	"jobline/internal/queue"
	"jobline/internal/worker"
)

// MaxBodyBytes is the largest request body the API reads (64 KiB); a larger
// one is answered 413 payload_too_large.
const MaxBodyBytes = 64 << 10

// DefaultRequestTimeout is Config.RequestTimeout's default.
const DefaultRequestTimeout = 5 * time.Second

// EnvRequestTimeout is the variable that sets Config.RequestTimeout in the
// API functions and the dev server (a Go duration, such as "5s").
const EnvRequestTimeout = "JOBLINE_REQUEST_TIMEOUT"

// Store is what the API needs of the job store (jobs.Store has it all):
// it creates, reads, lists and cancels jobs, and reads their assets.
type Store interface {
	Create(ctx context.Context, job jobs.Job) (stored jobs.Job, created bool, err error)
	Get(ctx context.Context, id string) (jobs.Job, error)
	List(ctx context.Context, q jobs.ListQuery) (jobs.Page, error)
	ListAssets(ctx context.Context, jobID string) ([]jobs.Asset, error)
	Cancel(ctx context.Context, id string, c jobs.CancelRequest) (jobs.Job, error)
}

// Sender is what the API needs of the queue: it only sends the message of
// a job it created (queue.Queue has it).
type Sender interface {
	Send(ctx context.Context, reqs ...queue.SendRequest) ([]string, error)
}

// Config of the API.
type Config struct {
	// Store keeps the jobs. Required.
	Store Store
	// Queue receives one message per created job. Required, unless
	// ReadOnly.
	Queue Sender
	// ReadOnly serves every route but POST /jobs, which answers 405: the
	// handler of a process that may not send (getjob, whose role has no
	// SQS permission). Default false: all routes.
	ReadOnly bool
	// Clock stamps created and canceled jobs. Default: clock.Real{}.
	Clock clock.Clock
	// Logger receives structured logs with jobId and jobType. Default:
	// slog.Default().
	Logger *slog.Logger
	// ValidateJob checks a create request's jobType and parameters (the
	// engine's registry provides it). An error wrapping
	// jobs.ErrUnknownJobType answers 422 unknown_job_type; any other error
	// answers 400 invalid_request with the error's message, so it must be
	// fit for the caller to read. Required, unless ReadOnly.
	ValidateJob func(jobType string, parameters json.RawMessage) error
	// JobTypes lists the job types a create request may name, for
	// GET /job-types and for the message of a 422 unknown_job_type (the
	// engine's registry provides it: worker.Registry.JobTypes). Default
	// nil: no types are listed (GET /job-types answers an empty list, a 422
	// names none).
	JobTypes func() []worker.JobType
	// AssetURL, if set, fills Asset.URL at read time (for example with a
	// presigned S3 URL). Default: nil, the stored URL is shown as is.
	AssetURL func(ctx context.Context, a jobs.Asset) (string, error)
	// QueuedGrace is how long after a job becomes due the reconciler waits
	// before re-sending its message, in case the API's send was lost (the
	// sweep policy is jobs.QueuedSweepAt). Must not be negative. Default
	// (zero): jobs.DefaultQueuedGrace, 2 minutes.
	QueuedGrace time.Duration
	// NewID makes the IDs of jobs created without an idempotency key.
	// Default: 26 random lowercase base32 characters from crypto/rand.
	NewID func() string
	// Admin, if set, serves the paths under /admin/ (NewAdmin's handler,
	// which answers only admins). Default: nil, /admin/ paths are 404
	// like any unknown path.
	Admin http.Handler
	// Metrics counts created and canceled jobs per type. Default:
	// metrics.Discard{}.
	Metrics metrics.Recorder
	// RequestTimeout is each request's deadline: the store and queue calls
	// of a request get a context that ends then, and a request whose call
	// is still waiting is answered 503 unavailable with Retry-After, so
	// that a hung backend never hangs the API. Must not be negative.
	// Default (zero): DefaultRequestTimeout, 5 seconds.
	RequestTimeout time.Duration
}

// withDefaults returns cfg with every unset optional field filled in.
func (cfg Config) withDefaults() Config {
	cfg.Clock = cmp.Or[clock.Clock](cfg.Clock, clock.Real{})
	cfg.Logger = cmp.Or(cfg.Logger, slog.Default())
	cfg.QueuedGrace = cmp.Or(cfg.QueuedGrace, jobs.DefaultQueuedGrace)
	cfg.Metrics = cmp.Or[metrics.Recorder](cfg.Metrics, metrics.Discard{})
	cfg.RequestTimeout = cmp.Or(cfg.RequestTimeout, DefaultRequestTimeout)
	if cfg.NewID == nil { // funcs, which cmp.Or cannot compare
		cfg.NewID = RandomID
	}
	if cfg.JobTypes == nil {
		cfg.JobTypes = func() []worker.JobType { return nil }
	}
	return cfg
}

// validate reports the first required field that is missing or invalid.
func (cfg Config) validate() error {
	switch {
	case cfg.Store == nil:
		return errors.New("api: Config.Store is required")
	case cfg.Queue == nil && !cfg.ReadOnly:
		return errors.New("api: Config.Queue is required (unless ReadOnly)")
	case cfg.ValidateJob == nil && !cfg.ReadOnly:
		return errors.New("api: Config.ValidateJob is required (unless ReadOnly)")
	case cfg.QueuedGrace < 0:
		return fmt.Errorf("api: Config.QueuedGrace must not be negative, got %s", cfg.QueuedGrace)
	case cfg.RequestTimeout < 0:
		return fmt.Errorf("api: Config.RequestTimeout must not be negative, got %s", cfg.RequestTimeout)
	}
	return nil
}

// server holds the configured dependencies of the handlers.
type server struct {
	cfg Config
	log *slog.Logger
}

// New returns the API's handler, which serves:
//
//	POST /jobs                 create a job (201, or 200 for an idempotent replay)
//	GET  /jobs                 list the caller's jobs, newest first
//	GET  /jobs/{id}            one job, with ETag / If-None-Match
//	GET  /jobs/{id}/assets     the job's assets
//	POST /jobs/{id}/cancel     cancel a queued or processing job
//	GET  /job-types            the job types a create may name
//
// docs/openapi.yaml describes every route, body, header and error.
//
// Any other path answers 404 not_found and any other method 405
// method_not_allowed, both as JSON errors; with Config.ReadOnly, so does
// POST /jobs. Every request has Config.RequestTimeout as its deadline.
func New(cfg Config) (http.Handler, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	s := &server{cfg: cfg, log: cfg.Logger}

	mux := &router{}
	jobsAllow := "GET, HEAD"
	if !cfg.ReadOnly {
		mux.handle("POST /jobs", s.handle(s.createJob))
		jobsAllow = "GET, HEAD, POST"
	}
	mux.handle("GET /jobs", s.handle(s.listJobs))
	mux.handle("GET /jobs/{id}", s.handle(s.getJob))
	mux.handle("GET /jobs/{id}/assets", s.handle(s.listAssets))
	mux.handle("POST /jobs/{id}/cancel", s.handle(s.cancelJob))

	// Method-less patterns catch the other methods on known paths, so that
	// they get a JSON 405 instead of the mux's plain-text one.
	mux.handle("/jobs", s.methodNotAllowed(jobsAllow))
	mux.handle("/jobs/{id}", s.methodNotAllowed("GET, HEAD"))
	mux.handle("/jobs/{id}/assets", s.methodNotAllowed("GET, HEAD"))
	mux.handle("/jobs/{id}/cancel", s.methodNotAllowed("POST"))
	mux.handle("GET /job-types", s.handle(s.listJobTypes))
	mux.handle("/job-types", s.methodNotAllowed("GET, HEAD"))
	if cfg.Admin != nil {
		// Both patterns, so that the mux never redirects /admin to /admin/
		// (which would tell a non-admin that the path exists).
		mux.handle("/admin", cfg.Admin)
		mux.handle("/admin/", cfg.Admin)
	}
	mux.handle("/", s.handle(s.routeNotFound))
	return s.cleanPathsOnly(mux), nil
}

// cleanPathsOnly answers a path that is not clean (unrooted, dot
// segments, doubled slashes), decoded or as sent, as a path no route
// serves, 404 JSON, where the mux would redirect it to its clean form with
// an HTML body.
func (s *server) cleanPathsOnly(mux http.Handler) http.Handler {
	notFound := s.handle(s.routeNotFound)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, sent := r.URL.Path, r.URL.EscapedPath()
		if p != cleanPath(p) || sent != cleanPath(sent) {
			notFound.ServeHTTP(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// routeNotFound answers a path no route serves: 404 not_found. The admin
// API answers non-admins with it too, so both must stay one function.
func (s *server) routeNotFound(_ http.ResponseWriter, r *http.Request) error {
	return &Error{Status: http.StatusNotFound, Code: CodeNotFound, Message: "no such route: " + r.URL.Path}
}

// cleanPath is the path http.ServeMux serves p as (it redirects p there
// when they differ): rooted, without dot segments or doubled slashes, a
// trailing slash kept.
func cleanPath(p string) string {
	if p == "" {
		return "/"
	}
	clean := path.Clean("/" + p)
	if p[len(p)-1] == '/' && clean != "/" {
		clean += "/"
	}
	return clean
}

// methodNotAllowed answers 405 with the methods the path allows.
func (s *server) methodNotAllowed(allow string) http.Handler {
	return s.handle(func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Allow", allow)
		return &Error{
			Status:  http.StatusMethodNotAllowed,
			Code:    CodeMethodNotAllowed,
			Message: fmt.Sprintf("method %s is not allowed here; allowed: %s", r.Method, allow),
		}
	})
}

// handle adapts a handler that returns an error: the error is written as a
// JSON error response by writeError, the one place errors become statuses.
// The request gets its deadline here, Config.RequestTimeout: every store
// and queue call of the request gets a context that ends then, and the
// error of a call cut short answers 503 unavailable (toAPIError). The
// admin API's server has none (its RequestTimeout is zero): a redrive may
// take long, and the admin Lambda's own timeout bounds it.
func (s *server) handle(h func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.RequestTimeout > 0 {
			ctx, cancel := context.WithTimeout(r.Context(), s.cfg.RequestTimeout)
			defer cancel()
			r = r.WithContext(ctx)
		}
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// user returns the caller's identity, or a 401 error when there is none.
func (s *server) user(r *http.Request) (string, error) {
	u, ok := UserFrom(r.Context())
	if !ok {
		return "", &Error{Status: http.StatusUnauthorized, Code: CodeUnauthorized, Message: identityHint(r.Context())}
	}
	return u, nil
}

// idEncoding is lowercase base32 without padding: IDs are URL- and
// DynamoDB-friendly and case-insensitive-safe.
var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// RandomID returns 26 lowercase base32 characters (128 random bits); it is
// the default Config.NewID.
func RandomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return idEncoding.EncodeToString(b[:])
}

// writeJSON writes v as the JSON response body with the given status.
func (s *server) writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	body, err := encodeJSON(v)
	if err != nil {
		// Only a bug gets here: every view marshals.
		s.writeError(w, r, fmt.Errorf("encode response: %w", err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// encodeJSON encodes v followed by a newline, without escaping <, > and &
// (json.Marshal's HTML escaping makes each six bytes: a body is JSON for
// clients, never HTML).
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
