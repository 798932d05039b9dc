// Package awsenv is what a process reads from its environment to reach
// Jobline's AWS resources: where they are (Config, FromEnv) and, in
// Lambda, the SDK configuration built from the variables the Lambda runtime
// sets (SDKConfig). It imports no service client: a Lambda function links
// only the clients it builds itself (awsbackend/jobstore, jobqueue,
// jobfiles), and no provider of the SDK's default chain that Lambda never
// uses.
package awsenv

import (
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"jobline/internal/awsapi"
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
	EnvCreationShards  = "JOBLINE_CREATION_SHARDS"          // Config.CreationShards
	EnvSweepShards     = "JOBLINE_SWEEP_SHARDS"             // Config.SweepShards
)

// Config says where Jobline's AWS resources are.
type Config struct {
	// Region is the AWS region. Default: AWS_DEFAULT_REGION (SDKConfig), or
	// the SDK's default chain's (awsbackend.New: profile).
	Region string
	// Endpoint overrides every service's endpoint, for an emulator
	// (http://127.0.0.1:PORT). Default empty: the real AWS endpoints.
	// AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_SQS and
	// AWS_ENDPOINT_URL_S3 override it for one service.
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
	// (jobfiles.New fails); processjob and getjob require it.
	AssetsBucket string
	// AssetURLExpiry is how long a presigned asset URL downloads the file.
	// Default: DefaultAssetURLExpiry (15 minutes); at most
	// MaxAssetURLExpiry (7 days).
	AssetURLExpiry time.Duration
	// CreationShards and SweepShards are the partitions of the table's
	// creation and sweep indexes (template.yaml's parameters of the same
	// names; dynamostore.Config). Default: deploy.CreationShards and
	// deploy.SweepShards; at most deploy.MaxShards.
	CreationShards, SweepShards int
	// Credentials overrides where credentials come from (tests pass static
	// dummy credentials for the emulator). Default nil: SDKConfig's
	// variables, or the SDK's default chain (awsbackend.New).
	Credentials aws.CredentialsProvider
	// Hooks wrap every call of every client (tests count requests with
	// awstest.RequestCounter and capacity units with awstest.Meter).
	// Default none.
	Hooks []awsapi.Hook
}

// Presigned asset URLs: their default lifetime, and the longest SigV4
// allows: s3blob's DefaultURLExpiry and MaxURLExpiry, which a test checks
// (awsenv does not import the S3 code).
const (
	DefaultAssetURLExpiry = 15 * time.Minute
	MaxAssetURLExpiry     = 7 * 24 * time.Hour
)

// Bounds of the numeric variables, SQS's own limit and a sane one.
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
		AssetURLExpiry:     env.Seconds(EnvAssetURLExpiry, 0, 0, MaxAssetURLExpiry),
		CreationShards:     env.Int(EnvCreationShards, 0, 1, deploy.MaxShards),
		SweepShards:        env.Int(EnvSweepShards, 0, 1, deploy.MaxShards),
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
	if c.AssetURLExpiry == 0 {
		c.AssetURLExpiry = DefaultAssetURLExpiry
	}
	if c.JobRetention == 0 {
		c.JobRetention = deploy.JobRetention
	}
	if c.CreationShards == 0 {
		c.CreationShards = deploy.CreationShards
	}
	if c.SweepShards == 0 {
		c.SweepShards = deploy.SweepShards
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
	for _, n := range []struct {
		shards int
		env    string
	}{{c.CreationShards, EnvCreationShards}, {c.SweepShards, EnvSweepShards}} {
		if n.shards < 0 || n.shards > deploy.MaxShards {
			errs = append(errs, fmt.Errorf("%d shards is not within 1..%d (%s)", n.shards, deploy.MaxShards, n.env))
		}
	}
	if c.AssetURLExpiry < 0 || c.AssetURLExpiry > MaxAssetURLExpiry {
		errs = append(errs, fmt.Errorf("asset URL expiry %v is not within 0..%v (%s)", c.AssetURLExpiry, MaxAssetURLExpiry, EnvAssetURLExpiry))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("awsbackend config: %w", err)
	}
	return nil
}
