// Package lambdafn is what Jobline's Lambda functions share: the JSON
// logger, the AWS backends (DynamoDB, SQS, the S3 assets store) and
// handler registry built once per execution environment (at init, never per
// invocation), and the SQS batch runner of processjob.
package lambdafn

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"jobline/internal/awsbackend"
	"jobline/internal/blob"
	"jobline/internal/demojobs"
	"jobline/internal/queue"
	"jobline/internal/worker"
)

// Environment variables read here (the AWS ones are awsbackend's).
const (
	// EnvLogLevel is DEBUG, INFO (default), WARN or ERROR.
	EnvLogLevel = "JOBLINE_LOG_LEVEL"
	// EnvVisibilityTimeout is the jobs queues' VisibilityTimeout in
	// seconds (template.yaml), how far each heartbeat of a running job
	// pushes its message's visibility. Default: DefaultVisibilityTimeout.
	EnvVisibilityTimeout = "JOBLINE_VISIBILITY_TIMEOUT_SECONDS"
)

// DefaultVisibilityTimeout is the queues' VisibilityTimeout in
// template.yaml.
const DefaultVisibilityTimeout = 1800 * time.Second

// Logger returns a JSON logger on stdout at the level of EnvLogLevel, and
// makes it slog's default. Lambda's JSON log format keeps its fields.
func Logger(function string) *slog.Logger {
	level := slog.LevelInfo
	if v := os.Getenv(EnvLogLevel); v != "" {
		if err := level.UnmarshalText([]byte(strings.ToUpper(v))); err != nil {
			level = slog.LevelInfo
		}
	}
	log := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: level})).With("function", function)
	slog.SetDefault(log)
	return log
}

// OpenBackend reads the awsbackend environment and opens the store, the
// queue and (when JOBLINE_ASSETS_BUCKET is set) the S3 assets store. It
// makes no network call; the first request does.
func OpenBackend(ctx context.Context) (*awsbackend.Backend, error) {
	cfg, err := awsbackend.FromEnv()
	if err != nil {
		return nil, fmt.Errorf("read AWS backend environment: %w", err)
	}
	be, err := awsbackend.New(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open AWS backend: %w", err)
	}
	return be, nil
}

// Registry returns the job handlers: the demo types of internal/demojobs,
// writing their files to files. A function that only validates jobs
// (createjob, getjob) passes nil; running a report job then fails. An
// application registers its own types here.
func Registry(files blob.Store) *worker.Registry {
	reg := worker.NewRegistry()
	demojobs.Register(reg, files)
	return reg
}

// VisibilityTimeout returns EnvVisibilityTimeout, checked to be within
// 1s..queue.MaxVisibility.
func VisibilityTimeout() (time.Duration, error) {
	n, err := IntEnv(EnvVisibilityTimeout, int(DefaultVisibilityTimeout/time.Second))
	if err != nil {
		return 0, err
	}
	d := time.Duration(n) * time.Second
	if d < time.Second || d > queue.MaxVisibility {
		return 0, fmt.Errorf("%s=%d: must be within 1..%d seconds", EnvVisibilityTimeout, n, int(queue.MaxVisibility/time.Second))
	}
	return d, nil
}

// IntEnv returns the integer environment variable name, or def when unset.
func IntEnv(name string, def int) (int, error) {
	v := os.Getenv(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("%s=%q: not an integer", name, v)
	}
	return n, nil
}

// Exit logs an init failure and ends the process: Lambda reports it as an
// init error and retries the cold start.
func Exit(log *slog.Logger, err error) {
	log.Error("init failed", "error", err)
	os.Exit(1)
}
