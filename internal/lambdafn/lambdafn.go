// Package lambdafn is what Jobline's Lambda functions share: how a function
// starts (logger, environment, AWS backend, handler built once at init,
// never per invocation), the job handler registry, and the HTTP API
// function of createjob and getjob. Each functions/<name>/main.go only says
// what its handler is made of.
package lambdafn

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"jobline/internal/awsbackend"
	"jobline/internal/blob"
	"jobline/internal/demojobs"
	"jobline/internal/envconfig"
	"jobline/internal/logging"
	"jobline/internal/metrics"
	"jobline/internal/worker"
)

// envLogLevel is DEBUG, INFO (default), WARN or ERROR; a value that is none
// of them keeps INFO.
const envLogLevel = "JOBLINE_LOG_LEVEL"

// EnvMetricsNamespace is the CloudWatch namespace of the job metrics
// (template.yaml: Jobline/<stack>). Default: metrics.DefaultNamespace.
const EnvMetricsNamespace = "JOBLINE_METRICS_NAMESPACE"

// Init is what a function's init has at hand.
type Init struct {
	// Log is the function's JSON logger, also slog's default.
	Log *slog.Logger
	// Env reads the function's own variables; Start reports its errors.
	Env *envconfig.Reader
	// Backend builds the AWS clients the function asks for, and no other.
	Backend *awsbackend.Backend
	// Metrics writes the job metrics as EMF lines to standard output, in
	// the namespace of EnvMetricsNamespace.
	Metrics *metrics.EMF
}

// Start runs the Lambda function named function: it builds the logger and
// the AWS backend from the environment, calls build once for the handler,
// and hands that to lambda.Start. An error from build, or a malformed
// variable, ends the process as an init failure, which Lambda reports and
// retries. It does not return.
func Start(function string, build func(ctx context.Context, in *Init) (handler any, err error)) {
	log := newLogger(function)
	handler, err := initialize(context.Background(), log, build)
	if err != nil {
		log.Error("init failed", "error", err)
		os.Exit(1)
	}
	lambda.Start(handler)
}

// initialize reads the environment and builds the handler.
func initialize(ctx context.Context, log *slog.Logger, build func(context.Context, *Init) (any, error)) (any, error) {
	env := envconfig.New()
	be, err := openBackend(ctx, env)
	if err != nil {
		return nil, err
	}
	emf := metrics.NewEMF(os.Stdout, env.String(EnvMetricsNamespace, ""), log)
	handler, err := build(ctx, &Init{Log: log, Env: env, Backend: be, Metrics: emf})
	if err != nil {
		return nil, err
	}
	if err := env.Err(); err != nil {
		return nil, fmt.Errorf("read environment: %w", err)
	}
	return handler, nil
}

// OpenBackend reads the awsbackend environment and returns the backend. It
// builds no client and makes no network call; the first use does.
func OpenBackend(ctx context.Context) (*awsbackend.Backend, error) {
	return openBackend(ctx, envconfig.New())
}

func openBackend(ctx context.Context, env *envconfig.Reader) (*awsbackend.Backend, error) {
	cfg := awsbackend.FromEnv(env)
	if err := env.Err(); err != nil {
		return nil, fmt.Errorf("read AWS backend environment: %w", err)
	}
	be, err := awsbackend.New(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open AWS backend: %w", err)
	}
	return be, nil
}

// newLogger returns the function's logger, and makes it slog's default:
// aws-lambda-go's handler (JSON under the template's JSON log format, with
// the invocation's requestId on every record logged with its context),
// durations in milliseconds, at the level of envLogLevel.
func newLogger(function string) *slog.Logger {
	level := slog.LevelInfo
	if v := envconfig.New().String(envLogLevel, ""); v != "" {
		if err := level.UnmarshalText([]byte(strings.ToUpper(v))); err != nil {
			level = slog.LevelInfo
		}
	}
	log := slog.New(logging.Milliseconds(lambdacontext.NewLogHandler(), level)).With("function", function)
	slog.SetDefault(log)
	return log
}

// Registry returns the job handlers: the demo types of internal/demojobs,
// writing their files to files. A function that only validates jobs
// (createjob) passes nil; running a report job then fails. An application
// registers its own types here.
func Registry(files blob.Store) *worker.Registry {
	reg := worker.NewRegistry()
	demojobs.Register(reg, files)
	return reg
}
