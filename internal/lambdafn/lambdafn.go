// Package lambdafn is what Jobline's Lambda functions share: the JSON
// logger, the AWS backends and handler registry built once per execution
// environment (at init, never per invocation), and the SQS batch runner of
// processjob.
package lambdafn

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"jobline/internal/awsbackend"
	"jobline/internal/blob"
	"jobline/internal/demojobs"
	"jobline/internal/jobs"
	"jobline/internal/queue"
	"jobline/internal/worker"
)

// Environment variables read here (the AWS ones are awsbackend's).
const (
	// EnvLogLevel is DEBUG, INFO (default), WARN or ERROR.
	EnvLogLevel = "JOBLINE_LOG_LEVEL"
	// EnvFilesDir is where job handlers write asset files. Default:
	// $TMPDIR/jobline-files (the only writable place in Lambda).
	EnvFilesDir = "JOBLINE_FILES_DIR"
	// EnvFilesBaseURL prefixes asset URLs. Default empty.
	EnvFilesBaseURL = "JOBLINE_FILES_BASE_URL"
)

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

// Backend is what a function needs from AWS, built once at init.
type Backend struct {
	Config awsbackend.Config
	Store  jobs.Store
	Queue  queue.Queue
}

// OpenBackend reads the awsbackend environment and opens the store and
// queue. It makes no network call; the first request does.
func OpenBackend(ctx context.Context) (Backend, error) {
	cfg, err := awsbackend.FromEnv()
	if err != nil {
		return Backend{}, fmt.Errorf("read AWS backend environment: %w", err)
	}
	store, q, err := awsbackend.Open(ctx, cfg)
	if err != nil {
		return Backend{}, fmt.Errorf("open AWS backend: %w", err)
	}
	return Backend{Config: cfg.WithDefaults(), Store: store, Queue: q}, nil
}

// Registry returns the job handlers: the demo types of internal/demojobs,
// writing their files under EnvFilesDir. An application registers its own
// types here.
func Registry() (*worker.Registry, error) {
	dir := os.Getenv(EnvFilesDir)
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "jobline-files")
	}
	files, err := blob.NewDir(dir, os.Getenv(EnvFilesBaseURL))
	if err != nil {
		return nil, fmt.Errorf("open files dir: %w", err)
	}
	reg := worker.NewRegistry()
	demojobs.Register(reg, files)
	return reg, nil
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
