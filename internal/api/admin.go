package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"jobline/internal/clock"
	"jobline/internal/jobs"
	"jobline/internal/metrics"
	"jobline/internal/queue"
	"jobline/internal/redrive"
)

// AdminStore is what the admin API uses of the job store (jobs.Store has
// it all): every owner's jobs, one job, and the operator's cancel.
type AdminStore interface {
	Get(ctx context.Context, id string) (jobs.Job, error)
	ListAll(ctx context.Context, q jobs.ListQuery) (jobs.Page, error)
	Cancel(ctx context.Context, id string, c jobs.CancelRequest) (jobs.Job, error)
}

// DeadLetters is the operator's dead-letter queue, the same operations as
// the dlqredrive CLI (*redrive.Redriver).
type DeadLetters interface {
	List(ctx context.Context, max int) ([]redrive.Entry, error)
	Redrive(ctx context.Context, o redrive.Options) (redrive.Result, error)
}

// Queues counts the messages of the jobs queues and of the dead-letter
// queue (queue.Queue has it).
type Queues interface {
	Stats(ctx context.Context) ([]queue.Stats, error)
	DeadLetters() queue.DeadLetterQueue
}

// QueueAges tells the age of each named queue's oldest message where the
// queue itself cannot (SQS; cloudwatchmetrics.Reader reads CloudWatch's
// ApproximateAgeOfOldestMessage). A queue it knows nothing of is absent
// from the map.
type QueueAges interface {
	OldestMessageAges(ctx context.Context, queueNames []string, now time.Time) (map[string]time.Duration, error)
}

// AdminConfig configures the admin API (NewAdmin).
type AdminConfig struct {
	// Store keeps the jobs. Required.
	Store AdminStore
	// DeadLetters lists and redrives dead-lettered jobs (the
	// internal/redrive code the CLI runs). Required.
	DeadLetters DeadLetters
	// Queues counts the queues' messages. Required.
	Queues Queues
	// QueueAges fills in the oldest message ages Queues does not know.
	// Default: nil, those ages stay null.
	QueueAges QueueAges
	// Metrics answers GET /admin/metrics (metrics.Memory on the dev
	// server, CloudWatch in AWS). Required.
	Metrics metrics.Source
	// Recorder counts the jobs admins cancel (metrics.Canceled). Default:
	// metrics.Discard{}.
	Recorder metrics.Recorder
	// Clock stamps cancels and tells metric windows. Default: clock.Real{}.
	Clock clock.Clock
	// Logger receives structured logs. Default: slog.Default().
	Logger *slog.Logger
}

// withDefaults returns cfg with every unset optional field filled in.
func (cfg AdminConfig) withDefaults() AdminConfig {
	if cfg.Recorder == nil {
		cfg.Recorder = metrics.Discard{}
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return cfg
}

// validate reports a missing required field.
func (cfg AdminConfig) validate() error {
	if cfg.Store == nil || cfg.DeadLetters == nil || cfg.Queues == nil || cfg.Metrics == nil {
		return errors.New("api: AdminConfig.Store, DeadLetters, Queues and Metrics are required")
	}
	return nil
}

// adminServer serves the admin routes with the API's error model.
type adminServer struct {
	*server
	cfg AdminConfig
}

// adminRoute is one route of the admin API.
type adminRoute struct {
	method, pattern string
	handler         func(http.ResponseWriter, *http.Request) error
}

// routes are the routes NewAdmin serves.
func (s *adminServer) routes() []adminRoute {
	return []adminRoute{
		{"GET", "/admin/me", s.me},
		{"GET", "/admin/jobs", s.listAllJobs},
		{"GET", "/admin/jobs/{id}", s.getAnyJob},
		{"POST", "/admin/jobs/{id}/cancel", s.cancelAnyJob},
		{"GET", "/admin/queues", s.queueStats},
		{"GET", "/admin/dlq", s.listDeadLetters},
		{"POST", "/admin/dlq/redrive", s.redriveDeadLetters},
		{"GET", "/admin/metrics", s.metricsReport},
	}
}

// AdminRoutes lists the admin API's routes as "METHOD /path" patterns
// (net/http's, with {id} wildcards).
func AdminRoutes() []string {
	var out []string
	for _, rt := range (&adminServer{}).routes() {
		out = append(out, rt.method+" "+rt.pattern)
	}
	return out
}

// NewAdmin returns the admin API's handler, for the paths under /admin/:
//
//	GET  /admin/me                 the caller's identity and role
//	GET  /admin/jobs               every owner's jobs, newest first (status, jobType, owner filters)
//	GET  /admin/jobs/{id}          any job, with its full timeline
//	POST /admin/jobs/{id}/cancel   cancel any job, recording the admin
//	GET  /admin/queues             message counts of the jobs queues and the dead-letter queue
//	GET  /admin/dlq                the dead-letter queue's jobs
//	POST /admin/dlq/redrive        redrive one job, a selection or all; a dry run changes nothing
//	GET  /admin/metrics            job metrics per type and minute over a window
//
// Only admins (IsAdmin) see them: anyone else, with or without an
// identity, gets the 404 not_found of a path that does not exist, byte for
// byte, so that the admin API does not reveal itself. Mount it with
// Config.Admin (the dev server) or serve it alone (the admin Lambda).
func NewAdmin(cfg AdminConfig) (http.Handler, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	s := &adminServer{server: &server{cfg: Config{Clock: cfg.Clock, Logger: cfg.Logger}, log: cfg.Logger}, cfg: cfg}
	mux := &router{}
	for _, rt := range s.routes() {
		mux.handle(rt.method+" "+rt.pattern, s.handle(rt.handler))
		// Each path has one method; the others get a JSON 405.
		allow := rt.method
		if allow == "GET" {
			allow = "GET, HEAD"
		}
		mux.handle(rt.pattern, s.methodNotAllowed(allow))
	}
	notFound := s.handle(s.routeNotFound)
	mux.handle("/", notFound)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !IsAdmin(r.Context()) {
			notFound.ServeHTTP(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	}), nil
}

// admin returns the caller's ID; the gate of NewAdmin lets only admins in.
func (s *adminServer) admin(r *http.Request) string {
	u, _ := UserFrom(r.Context())
	return u
}

// me serves GET /admin/me: who the caller is. It answers admins only, so
// a client learns whether to show the operator's console from its status
// (200 or 404).
func (s *adminServer) me(w http.ResponseWriter, r *http.Request) error {
	s.writeJSON(w, r, http.StatusOK, meView{UserID: s.admin(r), Admin: true})
	return nil
}
