// Package devserver runs the whole of Jobline in one process: the HTTP
// API, a worker pool, the reconciler, the dashboard and the report files.
// By default it uses the in-memory store and queue, so `make dev` needs
// nothing else; JOBLINE_BACKEND=aws switches to DynamoDB and SQS (an
// emulator or real AWS) through internal/awsbackend.
package devserver

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"

	"jobline/internal/awsbackend"
)

// Backends the dev server can run on.
const (
	BackendMemory = "memory"
	BackendAWS    = "aws"
)

// Config configures the dev server. Every field documents its default and
// the environment variable FromEnv reads it from.
type Config struct {
	// Addr is the listen address. Default 127.0.0.1:8080; PORT sets the
	// port, JOBLINE_ADDR the whole address.
	Addr string
	// Backend is "memory" (default) or "aws" (JOBLINE_BACKEND).
	Backend string
	// AWS configures the "aws" backend. Default (nil): awsbackend.FromEnv,
	// the JOBLINE_TABLE, JOBLINE_*_URL, ... variables.
	AWS *awsbackend.Config
	// WebDir holds the built dashboard served at /. Default web/dist
	// (JOBLINE_WEB_DIR). If it does not exist, / explains how to build it.
	WebDir string
	// FilesDir keeps the files jobs write (report assets). Default: a new
	// temporary directory (JOBLINE_FILES_DIR).
	FilesDir string
	// Workers is how many jobs run at once. Default 4 (JOBLINE_WORKERS).
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
	// heartbeat. Default 30s (JOBLINE_VISIBILITY_TIMEOUT).
	VisibilityTimeout time.Duration
	// MaxReceiveCount of the in-memory queue's redrive policy. Default 5,
	// as in template.yaml (JOBLINE_MAX_RECEIVE_COUNT).
	MaxReceiveCount int
	// BackoffBase is the first retry's wait; it doubles per attempt.
	// Default 500ms, so demo retries are quick (JOBLINE_BACKOFF_BASE).
	BackoffBase time.Duration
	// BackoffMax caps the retry wait. Default 10s (JOBLINE_BACKOFF_MAX).
	BackoffMax time.Duration
	// LogLevel is debug, info (default), warn or error (JOBLINE_LOG_LEVEL).
	LogLevel string
}

// FromEnv reads the configuration from the environment (a missing variable
// keeps the default). Malformed values are errors, never ignored.
func FromEnv() (Config, error) {
	var c Config
	var errs []error
	str := func(name string, dst *string) {
		if v, ok := os.LookupEnv(name); ok {
			*dst = v
		}
	}
	integer := func(name string, dst *int) {
		if v, ok := os.LookupEnv(name); ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: not an integer", name, v))
				return
			}
			*dst = n
		}
	}
	duration := func(name string, dst *time.Duration) {
		if v, ok := os.LookupEnv(name); ok {
			d, err := time.ParseDuration(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: not a duration like 10s or 2m", name, v))
				return
			}
			*dst = d
		}
	}
	str("JOBLINE_ADDR", &c.Addr)
	if port, ok := os.LookupEnv("PORT"); ok {
		n, err := strconv.Atoi(port)
		if err != nil || n < 0 || n > 65535 {
			errs = append(errs, fmt.Errorf("PORT=%q: not a port number", port))
		} else if c.Addr == "" {
			c.Addr = net.JoinHostPort("127.0.0.1", port)
		}
	}
	str("JOBLINE_BACKEND", &c.Backend)
	str("JOBLINE_WEB_DIR", &c.WebDir)
	str("JOBLINE_FILES_DIR", &c.FilesDir)
	integer("JOBLINE_WORKERS", &c.Workers)
	duration("JOBLINE_SHUTDOWN_GRACE", &c.ShutdownGrace)
	duration("JOBLINE_RECONCILE_INTERVAL", &c.ReconcileInterval)
	duration("JOBLINE_STRANDED_AFTER", &c.StrandedAfter)
	duration("JOBLINE_VISIBILITY_TIMEOUT", &c.VisibilityTimeout)
	integer("JOBLINE_MAX_RECEIVE_COUNT", &c.MaxReceiveCount)
	duration("JOBLINE_BACKOFF_BASE", &c.BackoffBase)
	duration("JOBLINE_BACKOFF_MAX", &c.BackoffMax)
	str("JOBLINE_LOG_LEVEL", &c.LogLevel)
	return c, errors.Join(errs...)
}

// WithDefaults returns c with every unset field filled in.
func (c Config) WithDefaults() Config {
	if c.Addr == "" {
		c.Addr = "127.0.0.1:8080"
	}
	if c.Backend == "" {
		c.Backend = BackendMemory
	}
	if c.WebDir == "" {
		c.WebDir = "web/dist"
	}
	if c.Workers == 0 {
		c.Workers = 4
	}
	if c.ShutdownGrace == 0 {
		c.ShutdownGrace = 10 * time.Second
	}
	if c.ReconcileInterval == 0 {
		c.ReconcileInterval = 10 * time.Second
	}
	if c.StrandedAfter == 0 {
		c.StrandedAfter = 30 * time.Second
	}
	if c.VisibilityTimeout == 0 {
		c.VisibilityTimeout = 30 * time.Second
	}
	if c.MaxReceiveCount == 0 {
		c.MaxReceiveCount = 5
	}
	if c.BackoffBase == 0 {
		c.BackoffBase = 500 * time.Millisecond
	}
	if c.BackoffMax == 0 {
		c.BackoffMax = 10 * time.Second
	}
	if c.LogLevel == "" {
		c.LogLevel = "info"
	}
	return c
}

// Validate reports every invalid field at once.
func (c Config) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("address %q: %v", c.Addr, err))
	}
	if c.Backend != BackendMemory && c.Backend != BackendAWS {
		errs = append(errs, fmt.Errorf("backend %q: want %q or %q", c.Backend, BackendMemory, BackendAWS))
	}
	if c.Workers < 1 || c.Workers > 256 {
		errs = append(errs, fmt.Errorf("workers %d: want 1..256", c.Workers))
	}
	positive := map[string]time.Duration{
		"shutdown grace": c.ShutdownGrace, "reconcile interval": c.ReconcileInterval, "stranded after": c.StrandedAfter,
		"visibility timeout": c.VisibilityTimeout, "backoff base": c.BackoffBase, "backoff max": c.BackoffMax,
	}
	for _, name := range []string{"shutdown grace", "reconcile interval", "stranded after", "visibility timeout", "backoff base", "backoff max"} {
		if positive[name] < 0 {
			errs = append(errs, fmt.Errorf("%s %v: must be positive", name, positive[name]))
		}
	}
	if c.BackoffMax < c.BackoffBase {
		errs = append(errs, fmt.Errorf("backoff max %v is below backoff base %v", c.BackoffMax, c.BackoffBase))
	}
	if c.VisibilityTimeout > 12*time.Hour {
		errs = append(errs, fmt.Errorf("visibility timeout %v: SQS allows at most 12h", c.VisibilityTimeout))
	}
	if c.MaxReceiveCount < 1 || c.MaxReceiveCount > 1000 {
		errs = append(errs, fmt.Errorf("max receive count %d: want 1..1000", c.MaxReceiveCount))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log level %q: want debug, info, warn or error", c.LogLevel))
	}
	return errors.Join(errs...)
}
