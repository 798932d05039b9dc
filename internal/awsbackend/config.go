// Package awsbackend wires Jobline to AWS: configuration from the
// environment, and the DynamoDB store, the SQS queue and the S3 store of job
// assets on SDK clients that share one aws.Config (credentials, their
// refresh, region, retryer). Each client is built the first time something
// needs it, so a process builds only what it uses: getjob, whose role may
// not send to SQS, never builds an SQS client. The Lambda functions and the
// dev server (JOBLINE_BACKEND=aws) all open their backends here.
package awsbackend

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go/middleware"

	"jobline/internal/blob/s3blob"
	"jobline/internal/deploy"
	"jobline/internal/envconfig"
)

// Environment variables read by FromEnv.
const (
	EnvRegion          = "AWS_REGION"                       // Config.Region
	EnvEndpoint        = "AWS_ENDPOINT_URL"                 // Config.Endpoint
	EnvTable           = "JOBLINE_TABLE"                    // Config.TableName
	EnvQueueURL        = "JOBLINE_QUEUE_URL"                // Config.QueueURL
	EnvHighQueueURL    = "JOBLINE_HIGH_QUEUE_URL"           // Config.HighQueueURL
	EnvDLQURL          = "JOBLINE_DLQ_URL"                  // Config.DeadLetterQueueURL
	EnvMaxReceiveCount = "JOBLINE_MAX_RECEIVE_COUNT"        // Config.MaxReceiveCount
	EnvRetentionDays   = "JOBLINE_JOB_RETENTION_DAYS"       // Config.JobRetention, in days
	EnvAssetsBucket    = "JOBLINE_ASSETS_BUCKET"            // Config.AssetsBucket
	EnvAssetURLExpiry  = "JOBLINE_ASSET_URL_EXPIRY_SECONDS" // Config.AssetURLExpiry, in seconds
)

// Config says where Jobline's AWS resources are.
type Config struct {
	// Region is the AWS region. Default: the SDK's (AWS_REGION, profile).
	Region string
	// Endpoint overrides every service's endpoint, for an emulator
	// (http://127.0.0.1:PORT). Default empty: the real AWS endpoints. The
	// SDK also honours AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_SQS.
	Endpoint string
	// TableName is the DynamoDB table of jobs and assets. Required.
	TableName string
	// QueueURL is the SQS queue of priority-0 jobs. Required.
	QueueURL string
	// HighQueueURL is the SQS queue of jobs with priority > 0, drained
	// first. Default: QueueURL (priority is then carried but not honoured).
	HighQueueURL string
	// DeadLetterQueueURL is the queues' dead-letter queue. Required.
	DeadLetterQueueURL string
	// MaxReceiveCount is the queues' RedrivePolicy maxReceiveCount; it must
	// match the queues'. Default: deploy.MaxReceiveCount (template.yaml's).
	MaxReceiveCount int
	// JobRetention is how long finished jobs are kept before TTL deletes
	// them. Default: deploy.JobRetention (template.yaml's JobRetentionDays).
	JobRetention time.Duration
	// AssetsBucket is the S3 bucket of the files jobs write (report
	// assets; template.yaml's AssetsBucket). Default empty: no S3 store
	// (Backend.Assets fails); processjob and getjob require it.
	AssetsBucket string
	// AssetURLExpiry is how long a presigned asset URL downloads the file.
	// Default: s3blob.DefaultURLExpiry (15 minutes); at most
	// s3blob.MaxURLExpiry.
	AssetURLExpiry time.Duration
	// Credentials overrides the SDK's credential chain (tests pass static
	// dummy credentials for the emulator). Default nil: the SDK's chain.
	Credentials aws.CredentialsProvider
	// APIOptions are added to every SDK client's middleware stack (tests
	// count requests with awstest.RequestCounter). Default none.
	APIOptions []func(*middleware.Stack) error
}

// Bounds of the numeric variables, SQS's and S3's own limits.
const (
	maxReceiveCountLimit = 1000
	maxRetention         = 100 * 365 * 24 * time.Hour
)

// FromEnv reads a Config from the environment variables Env*; a malformed
// or out-of-range number is an error of env. An unset variable leaves its
// field at zero, for WithDefaults. It does not validate; New does.
func FromEnv(env *envconfig.Reader) Config {
	return Config{
		Region:             env.String(EnvRegion, ""),
		Endpoint:           env.String(EnvEndpoint, ""),
		TableName:          env.String(EnvTable, ""),
		QueueURL:           env.String(EnvQueueURL, ""),
		HighQueueURL:       env.String(EnvHighQueueURL, ""),
		DeadLetterQueueURL: env.String(EnvDLQURL, ""),
		AssetsBucket:       env.String(EnvAssetsBucket, ""),
		MaxReceiveCount:    env.Int(EnvMaxReceiveCount, 0, 0, maxReceiveCountLimit),
		JobRetention:       env.Days(EnvRetentionDays, 0, 0, maxRetention),
		AssetURLExpiry:     env.Seconds(EnvAssetURLExpiry, 0, 0, s3blob.MaxURLExpiry),
	}
}

// WithDefaults returns c with every unset field at its default.
func (c Config) WithDefaults() Config {
	if c.HighQueueURL == "" {
		c.HighQueueURL = c.QueueURL
	}
	if c.MaxReceiveCount == 0 {
		c.MaxReceiveCount = deploy.MaxReceiveCount
	}
	if c.JobRetention == 0 {
		c.JobRetention = deploy.JobRetention
	}
	if c.AssetURLExpiry == 0 {
		c.AssetURLExpiry = s3blob.DefaultURLExpiry
	}
	return c
}

// Validate reports every missing or impossible setting at once.
func (c Config) Validate() error {
	var errs []error
	if c.TableName == "" {
		errs = append(errs, fmt.Errorf("table name is required (%s)", EnvTable))
	}
	if c.QueueURL == "" {
		errs = append(errs, fmt.Errorf("queue URL is required (%s)", EnvQueueURL))
	}
	if c.DeadLetterQueueURL == "" {
		errs = append(errs, fmt.Errorf("dead-letter queue URL is required (%s)", EnvDLQURL))
	}
	if c.MaxReceiveCount < 0 {
		errs = append(errs, fmt.Errorf("max receive count %d is negative", c.MaxReceiveCount))
	}
	if c.JobRetention < 0 {
		errs = append(errs, fmt.Errorf("job retention %v is negative", c.JobRetention))
	}
	if c.AssetURLExpiry < 0 || c.AssetURLExpiry > s3blob.MaxURLExpiry {
		errs = append(errs, fmt.Errorf("asset URL expiry %v is not within 0..%v (%s)", c.AssetURLExpiry, s3blob.MaxURLExpiry, EnvAssetURLExpiry))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("awsbackend config: %w", err)
	}
	return nil
}

// loadAWSConfig loads the SDK configuration once (credentials and region
// from the usual chain, or c's overrides), with c.APIOptions on every
// client's stack. It makes no request.
func loadAWSConfig(ctx context.Context, c Config) (aws.Config, error) {
	var opts []func(*config.LoadOptions) error
	if c.Region != "" {
		opts = append(opts, config.WithRegion(c.Region))
	}
	if c.Endpoint != "" {
		opts = append(opts, config.WithBaseEndpoint(c.Endpoint))
	}
	if c.Credentials != nil {
		opts = append(opts, config.WithCredentialsProvider(c.Credentials))
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS config: %w", err)
	}
	awsCfg.APIOptions = append(awsCfg.APIOptions, c.APIOptions...)
	if awsCfg.Region == "" {
		return aws.Config{}, fmt.Errorf("load AWS config: no region (set %s)", EnvRegion)
	}
	return awsCfg, nil
}
