// Package lambdafn is what Jobline's Lambda functions share: how a function
// starts (logger, environment, SDK configuration, handler built once at
// init, never per invocation), the job handler registry, and the HTTP API
// functions' wiring. It links no SDK service client: each
// functions/<name>/main.go builds the clients it uses (awsbackend/jobstore,
// jobqueue, jobfiles) from Init, so each binary links only those.
package lambdafn

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"

	"jobline/internal/awsbackend/awsenv"
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
	// Config says where the AWS resources are, with its defaults filled in
	// and validated.
	Config awsenv.Config
	// AWS is the SDK configuration the function's clients share, built
	// from the Lambda environment (awsenv.SDKConfig).
	AWS aws.Config
	// Metrics writes the job metrics as EMF lines to standard output, in
	// the namespace of EnvMetricsNamespace.
	Metrics *metrics.EMF
}

// Start runs the Lambda function named function: it builds the logger and
// reads the AWS environment, calls build once for the handler, and hands
// that to lambda.Start. An error from build, or a malformed variable, ends
// the process as an init failure, which Lambda reports and retries. It does
// not return.
func Start(function string, build func(ctx context.Context, in *Init) (handler any, err error)) {
	log := newLogger(function)
	handler, err := initialize(context.Background(), log, envconfig.New(), os.Stdout, build)
	if err != nil {
		log.Error("init failed", "error", err)
		os.Exit(1)
	}
	lambda.Start(handler)
}

// initialize reads env and builds the handler, with the EMF metric lines
// going to metricsOut (standard output, where Lambda's logs are).
func initialize(ctx context.Context, log *slog.Logger, env *envconfig.Reader, metricsOut io.Writer, build func(context.Context, *Init) (any, error)) (any, error) {
	cfg, awsCfg, err := AWSFromEnv(env)
	if err != nil {
		return nil, err
	}
	emf := metrics.NewEMF(metricsOut, env.String(EnvMetricsNamespace, ""), log)
	handler, err := build(ctx, &Init{Log: log, Env: env, Config: cfg, AWS: awsCfg, Metrics: emf})
	if err != nil {
		return nil, err
	}
	if err := env.Err(); err != nil {
		return nil, fmt.Errorf("read environment: %w", err)
	}
	return handler, nil
}

// AWSFromEnv reads where the AWS resources are (with defaults, validated)
// and builds the SDK configuration from the Lambda environment
// (awsenv.SDKConfig). It builds no client and makes no request.
func AWSFromEnv(env *envconfig.Reader) (awsenv.Config, aws.Config, error) {
	cfg := awsenv.FromEnv(env).WithDefaults()
	awsCfg, sdkErr := awsenv.SDKConfig(env, cfg)
	if err := env.Err(); err != nil {
		return awsenv.Config{}, aws.Config{}, fmt.Errorf("read AWS environment: %w", err)
	}
	if err := cfg.Validate(); err != nil {
		return awsenv.Config{}, aws.Config{}, err
	}
	if sdkErr != nil {
		return awsenv.Config{}, aws.Config{}, sdkErr
	}
	return cfg, awsCfg, nil
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
