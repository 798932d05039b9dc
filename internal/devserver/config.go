// Package devserver runs the whole of Jobline in one process: the HTTP
// API, a worker pool, the reconciler, the dashboard and the report files.
// By default it uses the in-memory store and queue, so `make dev` needs
// nothing else; JOBLINE_BACKEND=aws switches to DynamoDB and SQS (an
// emulator or real AWS) through internal/awsbackend.
package devserver

import (
	"errors"
	"fmt"
	"math"
	"net"
	"strconv"
	"time"

	"jobline/internal/api"
	"jobline/internal/awsbackend"
	"jobline/internal/awsbackend/awsenv"
	"jobline/internal/deploy"
	"jobline/internal/envconfig"
	"jobline/internal/logging"
	"jobline/internal/queue"
)

// Backends the dev server can run on.
const (
	BackendMemory = "memory"
	BackendAWS    = "aws"
)

// Limits of Config.Workers and Config.MaxReceiveCount (SQS's).
const (
	maxWorkers         = 256
	maxMaxReceiveCount = 1000
	// maxJobRetention bounds JOBLINE_JOB_RETENTION_DAYS: a century.
	maxJobRetention = 100 * 365 * 24 * time.Hour
)

// Config configures the dev server. Every field documents its default and
// the environment variable FromEnv reads it from.
type Config struct {
	// Addr is the listen address. Default 127.0.0.1:8080; PORT sets the
	// port, JOBLINE_ADDR the whole address.
	Addr string
	// Backend is "memory" (default) or "aws" (JOBLINE_BACKEND).
	Backend string
	// AWS configures the "aws" backend; required with it. FromEnv reads it
	// from awsbackend's variables (JOBLINE_TABLE, JOBLINE_*_URL, ...).
	AWS *awsbackend.Config
	// WebDir holds the built dashboard served at /. Default
	// web/dashboard/dist (JOBLINE_WEB_DIR). If it does not exist, / explains how to build it.
	WebDir string
	// FilesDir keeps the files jobs write (report assets). Default: a new
	// temporary directory (JOBLINE_FILES_DIR).
	FilesDir string
	// Workers is how many jobs run at once, 1..256. Default 4
	// (JOBLINE_WORKERS).
	Workers int
	// ShutdownGrace is how long running jobs may finish after SIGINT or
	// SIGTERM before they are canceled and left for redelivery. Default 10s
	// (JOBLINE_SHUTDOWN_GRACE).
	ShutdownGrace time.Duration
	// ReconcileInterval is how often the reconciler looks for stranded
	// jobs. Default 10s (JOBLINE_RECONCILE_INTERVAL).
	ReconcileInterval time.Duration
	// StrandedAfter is how long a job may be overdue before the reconciler
	// acts on it. Default 30s (JOBLINE_STRANDED_AFTER).
	StrandedAfter time.Duration
	// VisibilityTimeout of the in-memory queue and of the engine's
	// heartbeat. Default 30s (JOBLINE_VISIBILITY_TIMEOUT_SECONDS, whole
	// seconds, read as processjob reads it).
	VisibilityTimeout time.Duration
	// MaxReceiveCount of the in-memory queue's redrive policy, 1..1000.
	// Default: deploy.MaxReceiveCount, as in template.yaml
	// (JOBLINE_MAX_RECEIVE_COUNT).
	MaxReceiveCount int
	// BackoffBase is the first retry's wait; it doubles per attempt.
	// Default 500ms, so demo retries are quick (JOBLINE_BACKOFF_BASE).
	BackoffBase time.Duration
	// BackoffMax caps the retry wait. Default 10s (JOBLINE_BACKOFF_MAX).
	BackoffMax time.Duration
	// LogLevel is debug, info (default), warn or error (JOBLINE_LOG_LEVEL).
	LogLevel string
	// LogFormat is "text", "json", or "" (default): text when the log goes
	// to a terminal, JSON otherwise (JOBLINE_LOG_FORMAT).
	LogFormat string
	// Admins are the user IDs (X-User-Id) that may use the admin API under
	// /admin/ and see the dashboard's Ops view. Default: none
	// (JOBLINE_ADMINS, comma-separated).
	Admins []string
	// RequestTimeout is each API request's deadline (api.Config's).
	// Default 5s (JOBLINE_REQUEST_TIMEOUT).
	RequestTimeout time.Duration
	// AllowRemote lets Addr be a non-loopback address and turns off the
	// check that requests name a loopback Host. The server trusts
	// X-User-Id, so anyone who reaches it may then act as any user; Run
	// logs a warning. Default false (JOBLINE_ALLOW_REMOTE=1 sets it).
	AllowRemote bool
	// JobRetention is how long the memory store keeps a final job and its
	// assets before it evicts them, as DynamoDB's TTL deletes them in AWS.
	// Default: deploy.JobRetention, 30 days, template.yaml's
	// JobRetentionDays; read, as the functions read it, from
	// JOBLINE_JOB_RETENTION_DAYS (whole days, 1..36500), which with the
	// aws backend sets the DynamoDB store's retention instead.
	JobRetention time.Duration
}

// FromEnv reads the configuration from the environment (an unset or empty
// variable keeps the default). Malformed values are errors naming their
// variable, never ignored.
func FromEnv() (Config, error) {
	env := envconfig.New()
	anyDuration := func(name string) time.Duration { return env.Duration(name, 0, 0, math.MaxInt64) }
	c := Config{
		Addr:              env.String("JOBLINE_ADDR", ""),
		Backend:           env.String("JOBLINE_BACKEND", ""),
		WebDir:            env.String("JOBLINE_WEB_DIR", ""),
		FilesDir:          env.String("JOBLINE_FILES_DIR", ""),
		Workers:           env.Int("JOBLINE_WORKERS", 0, 1, maxWorkers),
		ShutdownGrace:     anyDuration("JOBLINE_SHUTDOWN_GRACE"),
		ReconcileInterval: anyDuration("JOBLINE_RECONCILE_INTERVAL"),
		StrandedAfter:     anyDuration("JOBLINE_STRANDED_AFTER"),
		VisibilityTimeout: deploy.VisibilityTimeoutFromEnv(env, 0),
		MaxReceiveCount:   env.Int("JOBLINE_MAX_RECEIVE_COUNT", 0, 1, maxMaxReceiveCount),
		BackoffBase:       anyDuration("JOBLINE_BACKOFF_BASE"),
		BackoffMax:        anyDuration("JOBLINE_BACKOFF_MAX"),
		LogLevel:          env.String("JOBLINE_LOG_LEVEL", ""),
		LogFormat:         env.String("JOBLINE_LOG_FORMAT", ""),
		Admins:            api.ParseAdminList(env.String("JOBLINE_ADMINS", "")),
		RequestTimeout:    env.Duration(api.EnvRequestTimeout, 0, time.Millisecond, time.Minute),
		AllowRemote:       env.Bool("JOBLINE_ALLOW_REMOTE", false),
		JobRetention:      env.Days(awsenv.EnvRetentionDays, 0, 24*time.Hour, maxJobRetention),
	}
	if port := env.Int("PORT", -1, 0, 65535); port >= 0 && c.Addr == "" {
		c.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	}
	if c.Backend == BackendAWS {
		awsCfg := awsbackend.FromEnv(env)
		c.AWS = &awsCfg
	}
	return c, env.Err()
}

// WithDefaults returns c with every unset field filled in.
func (c Config) WithDefaults() Config {
	orDefault(&c.Addr, "127.0.0.1:8080")
	orDefault(&c.Backend, BackendMemory)
	orDefault(&c.WebDir, "web/dashboard/dist")
	orDefault(&c.Workers, 4)
	orDefault(&c.ShutdownGrace, 10*time.Second)
	orDefault(&c.ReconcileInterval, 10*time.Second)
	orDefault(&c.StrandedAfter, 30*time.Second)
	orDefault(&c.VisibilityTimeout, 30*time.Second)
	orDefault(&c.MaxReceiveCount, deploy.MaxReceiveCount)
	orDefault(&c.BackoffBase, 500*time.Millisecond)
	orDefault(&c.BackoffMax, 10*time.Second)
	orDefault(&c.LogLevel, "info")
	orDefault(&c.RequestTimeout, api.DefaultRequestTimeout)
	orDefault(&c.JobRetention, deploy.JobRetention)
	return c
}

// orDefault sets *v to def when it is the zero value.
func orDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

// Validate reports every invalid field at once.
func (c Config) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("address %q: %v", c.Addr, err))
	} else if !c.AllowRemote && !isLoopbackHost(c.Addr) {
		errs = append(errs, fmt.Errorf("address %q is not a loopback address: the dev server trusts X-User-Id, so it serves this machine only; set JOBLINE_ALLOW_REMOTE=1 to bind it anyway", c.Addr))
	}
	switch {
	case c.Backend == BackendAWS && c.AWS == nil:
		errs = append(errs, errors.New("backend aws: the AWS configuration is required"))
	case c.Backend != BackendMemory && c.Backend != BackendAWS:
		errs = append(errs, fmt.Errorf("backend %q: want %q or %q", c.Backend, BackendMemory, BackendAWS))
	}
	if c.Workers < 1 || c.Workers > maxWorkers {
		errs = append(errs, fmt.Errorf("workers %d: want 1..%d", c.Workers, maxWorkers))
	}
	for _, d := range []struct {
		name  string
		value time.Duration
	}{
		{"shutdown grace", c.ShutdownGrace}, {"reconcile interval", c.ReconcileInterval}, {"stranded after", c.StrandedAfter},
		{"visibility timeout", c.VisibilityTimeout}, {"backoff base", c.BackoffBase}, {"backoff max", c.BackoffMax},
		{"request timeout", c.RequestTimeout},
		{"job retention", c.JobRetention},
	} {
		if d.value < 0 {
			errs = append(errs, fmt.Errorf("%s %v: must be positive", d.name, d.value))
		}
	}
	if c.BackoffMax < c.BackoffBase {
		errs = append(errs, fmt.Errorf("backoff max %v is below backoff base %v", c.BackoffMax, c.BackoffBase))
	}
	if c.VisibilityTimeout > queue.MaxVisibility {
		errs = append(errs, fmt.Errorf("visibility timeout %v: SQS allows at most %v", c.VisibilityTimeout, queue.MaxVisibility))
	}
	if c.MaxReceiveCount < 1 || c.MaxReceiveCount > maxMaxReceiveCount {
		errs = append(errs, fmt.Errorf("max receive count %d: want 1..%d", c.MaxReceiveCount, maxMaxReceiveCount))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log level %q: want debug, info, warn or error", c.LogLevel))
	}
	if _, err := logging.ParseFormat(c.LogFormat); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
