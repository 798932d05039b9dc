package devserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"jobline/docs"
	"jobline/internal/api"
	"jobline/internal/awsbackend"
	"jobline/internal/blob"
	"jobline/internal/clock"
	"jobline/internal/demojobs"
	"jobline/internal/jobs"
	"jobline/internal/metrics"
	"jobline/internal/queue"
	"jobline/internal/redrive"
	"jobline/internal/worker"
)

// Server is the whole system in one process.
type Server struct {
	cfg        Config
	log        *slog.Logger
	store      jobs.Store
	files      *blob.Dir
	links      *fileLinks // signs the URLs of files
	handler    http.Handler
	pool       *worker.Pool
	reconciler *worker.Reconciler
	metrics    *metrics.Memory
	cleanup    func()
}

// New builds the store and queue of cfg.Backend, the engine with the demo
// job types, the API and the routes. It starts nothing; Run does.
func New(ctx context.Context, cfg Config, log *slog.Logger) (*Server, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("dev server config: %w", err)
	}
	s := &Server{cfg: cfg, log: log, cleanup: func() {}}
	var err error
	if s.metrics, err = metrics.NewMemory(0); err != nil {
		return nil, err
	}
	if err := s.build(ctx); err != nil {
		s.cleanup()
		return nil, err
	}
	return s, nil
}

// backend is where the dev server keeps jobs, messages and job files.
type backend struct {
	store jobs.Store
	queue queue.Queue
	// assets is where jobs write their files: nil for the local files dir.
	assets blob.Store
	// assetURL makes asset URLs at each read: presigned for S3, signed
	// for the files dir's /files/ route.
	assetURL func(context.Context, jobs.Asset) (string, error)
}

// build makes every part of the server.
func (s *Server) build(ctx context.Context) error {
	be, err := s.openBackend(ctx)
	if err != nil {
		return err
	}
	if s.files, err = s.openFiles(); err != nil {
		return err
	}
	s.links = newFileLinks(fileURLExpiry)
	if be.assets == nil {
		be.assets = s.files
		be.assetURL = func(_ context.Context, a jobs.Asset) (string, error) { return s.links.URL(a.StoragePath), nil }
	}
	reg := worker.NewRegistry()
	demojobs.Register(reg, be.assets)
	if err := s.buildWorkers(be, reg); err != nil {
		return err
	}
	admin, err := s.adminAPI(be)
	if err != nil {
		return err
	}
	apiHandler, err := api.New(api.Config{
		Store: be.store, Queue: be.queue, Clock: clock.Real{}, Logger: s.log, ValidateJob: reg.Validate, JobTypes: reg.JobTypes,
		QueuedGrace: s.cfg.StrandedAfter, AssetURL: be.assetURL, Admin: admin, Metrics: s.metrics,
		RequestTimeout: s.cfg.RequestTimeout,
	})
	if err != nil {
		return err
	}
	s.store = be.store
	s.handler, err = s.routes(apiHandler)
	return err
}

// adminAPI is the admin API on the backend, the metrics kept in process
// and the same redrive code as the dlqredrive CLI. The queues' own ages are
// exact in memory; on SQS they stay unknown (no CloudWatch locally).
func (s *Server) adminAPI(be backend) (http.Handler, error) {
	return api.NewAdmin(api.AdminConfig{
		Store: be.store, Queues: be.queue, Metrics: s.metrics, Recorder: s.metrics, Logger: s.log,
		DeadLetters: &redrive.Redriver{Store: be.store, Queue: be.queue, Logger: s.log},
	})
}

// openBackend opens the in-memory store and queue, or the AWS ones; job
// files go to S3 when the AWS backend has an assets bucket
// (JOBLINE_ASSETS_BUCKET), whose URLs are presigned at each read.
func (s *Server) openBackend(ctx context.Context) (backend, error) {
	if s.cfg.Backend == BackendMemory {
		q, err := queue.NewMemory(queue.MemoryConfig{VisibilityTimeout: s.cfg.VisibilityTimeout, MaxReceiveCount: s.cfg.MaxReceiveCount})
		if err != nil {
			return backend{}, err
		}
		store, err := jobs.NewMemoryStoreWith(jobs.MemoryConfig{Retention: s.cfg.JobRetention})
		return backend{store: store, queue: q}, err
	}
	aws, err := awsbackend.New(ctx, *s.cfg.AWS)
	if err != nil {
		return backend{}, fmt.Errorf("open aws backend: %w", err)
	}
	store, q, err := aws.StoreAndQueue()
	if err != nil {
		return backend{}, fmt.Errorf("open aws backend: %w", err)
	}
	be := backend{store: store, queue: q}
	if bucket := aws.Config().AssetsBucket; bucket != "" {
		if be.assets, err = aws.Assets(); err != nil {
			return backend{}, err
		}
		be.assetURL = aws.AssetURL
		s.log.Info("job files go to S3", "bucket", bucket)
	}
	return be, nil
}

// openFiles opens the directory of job files, a new temporary one (removed
// when the server stops) unless cfg.FilesDir names one.
func (s *Server) openFiles() (*blob.Dir, error) {
	dir := s.cfg.FilesDir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "jobline-files-")
		if err != nil {
			return nil, fmt.Errorf("files dir: %w", err)
		}
		dir = tmp
		s.cleanup = func() { os.RemoveAll(tmp) }
	}
	return blob.NewDir(dir, "")
}

// buildWorkers makes the engine, the worker pool that feeds it and the
// reconciler.
func (s *Server) buildWorkers(be backend, reg *worker.Registry) error {
	engine, err := worker.NewEngine(worker.Config{
		Store: be.store, Queue: be.queue, Registry: reg, Logger: s.log, Metrics: s.metrics,
		VisibilityTimeout: s.cfg.VisibilityTimeout, BackoffBase: s.cfg.BackoffBase, BackoffMax: s.cfg.BackoffMax,
	})
	if err != nil {
		return err
	}
	if s.pool, err = worker.NewPool(worker.PoolConfig{Engine: engine, Workers: s.cfg.Workers, Logger: s.log}); err != nil {
		return err
	}
	s.reconciler, err = worker.NewReconciler(worker.ReconcilerConfig{
		Store: be.store, Queue: be.queue, Logger: s.log, StrandedAfter: s.cfg.StrandedAfter, Metrics: s.metrics,
	})
	return err
}

// routes are the API (identity from X-User-Id; the admin API for
// Config.Admins) at / and under /api (the web client's default base URL),
// its OpenAPI document, a health check, the job files (signed URLs) and
// the dashboard, for loopback Host names only (unless AllowRemote), with a
// request log.
func (s *Server) routes(apiHandler http.Handler) (http.Handler, error) {
	spec, err := docs.OpenAPIJSON()
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	jobsAPI := api.HeaderIdentity(api.AdminUsers(s.cfg.Admins, apiHandler))
	for _, p := range []string{"/jobs", "/jobs/", "/job-types", "/admin", "/admin/"} {
		mux.Handle(p, jobsAPI)
	}
	mux.Handle("/api/", http.StripPrefix("/api", jobsAPI))
	mux.HandleFunc("GET /openapi.json", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(spec)
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"status":"ok","backend":%q}`, s.cfg.Backend)
	})
	mux.HandleFunc("GET /files/{path...}", s.serveFile)
	mux.Handle("/", s.dashboard())
	if s.cfg.AllowRemote {
		return s.logRequests(mux), nil
	}
	return s.logRequests(loopbackOnly(mux)), nil
}

// Handler returns the server's HTTP routes (for tests).
func (s *Server) Handler() http.Handler { return s.handler }

// Store returns the server's job store (for tests).
func (s *Server) Store() jobs.Store { return s.store }

// Run serves on cfg.Addr with the worker pool and the reconciler until ctx
// ends, then shuts down gracefully: the listener closes, running jobs get
// ShutdownGrace to finish, and the rest are left for redelivery. ready, if
// set, is called with the bound address once the server accepts requests.
func (s *Server) Run(ctx context.Context, ready func(addr string)) error {
	defer s.cleanup()
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.cfg.Addr, err)
	}
	httpServer := &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second}
	if s.cfg.AllowRemote {
		s.log.Warn("JOBLINE_ALLOW_REMOTE is set: the server answers any Host on "+ln.Addr().String()+
			", and anyone who reaches it may act as any user (X-User-Id is trusted)", "addr", ln.Addr().String())
	}

	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	s.pool.Start(workCtx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := s.reconciler.Run(workCtx, s.cfg.ReconcileInterval); err != nil && !errors.Is(err, context.Canceled) {
			s.log.Error("reconciler stopped", "error", err)
		}
	}()

	serveErr := make(chan error, 1)
	go func() { serveErr <- httpServer.Serve(ln) }()
	s.log.Info("jobline dev server listening", "addr", "http://"+ln.Addr().String(), "backend", s.cfg.Backend,
		"webDir", s.cfg.WebDir, "filesDir", s.files.Root(), "admins", s.cfg.Admins)
	if ready != nil {
		ready(ln.Addr().String())
	}

	select {
	case err := <-serveErr:
		stopWork()
		wg.Wait()
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	s.log.Info("shutting down: no new requests or jobs; running jobs may finish", "grace", s.cfg.ShutdownGrace)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownGrace)
	defer cancel()
	if err := httpServer.Shutdown(shutdownCtx); err != nil {
		s.log.Warn("http shutdown", "error", err)
	}
	if err := s.pool.Shutdown(shutdownCtx); err != nil {
		s.log.Warn("jobs still running at the end of the grace period were canceled; their messages will be redelivered", "error", err)
	}
	stopWork()
	wg.Wait()
	s.log.Info("stopped")
	return nil
}

// dashboard serves the built web dashboard, or says how to build it.
func (s *Server) dashboard() http.Handler {
	if st, err := os.Stat(s.cfg.WebDir); err == nil && st.IsDir() {
		return http.FileServer(http.Dir(s.cfg.WebDir))
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintf(w, "Jobline dev server. The dashboard is not built (no %s): run `make dev`, which builds web/ first.\nThe API is at /api/jobs and /jobs (send X-User-Id); its OpenAPI document at /openapi.json.\n", s.cfg.WebDir)
	})
}

// statusRecorder remembers the status code for the request log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		s.log.DebugContext(r.Context(), "request", "method", r.Method, "path", r.URL.Path, "status", rec.status, "duration", time.Since(start))
	})
}
