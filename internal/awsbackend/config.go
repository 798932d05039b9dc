// Package awsbackend wires Jobline to AWS: configuration from the
// environment, the SDK clients (built once, with the SDK's own retryer),
// the DynamoDB store, the SQS queue and the S3 store of job assets, and a
// middleware that counts AWS requests. The Lambda functions and the dev server (JOBLINE_BACKEND=aws)
// both open their backends here.
package awsbackend

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go/middleware"

	"jobline/internal/blob"
	"jobline/internal/blob/s3blob"
	"jobline/internal/jobs"
	"jobline/internal/jobs/dynamostore"
	"jobline/internal/queue"
	"jobline/internal/queue/sqsqueue"
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
	// match template.yaml. Default 5.
	MaxReceiveCount int
	// JobRetention is how long finished jobs are kept before TTL deletes
	// them. Default 30 days (template.yaml's JobRetentionDays).
	JobRetention time.Duration
	// AssetsBucket is the S3 bucket of the files jobs write (report
	// assets; template.yaml's AssetsBucket). Default empty: no S3 store
	// (Backend.Assets is nil); processjob and getjob require it.
	AssetsBucket string
	// AssetURLExpiry is how long a presigned asset URL downloads the file.
	// Default: s3blob.DefaultURLExpiry (15 minutes); at most
	// s3blob.MaxURLExpiry.
	AssetURLExpiry time.Duration
	// Credentials overrides the SDK's credential chain (tests pass static
	// dummy credentials for the emulator). Default nil: the SDK's chain.
	Credentials aws.CredentialsProvider
	// APIOptions are added to every SDK client's middleware stack, for
	// example RequestCounter.APIOption. Default none.
	APIOptions []func(*middleware.Stack) error
}

// DefaultMaxReceiveCount is Config.MaxReceiveCount's default, the value in
// template.yaml.
const DefaultMaxReceiveCount = 5

// FromEnv reads a Config from the environment variables Env*. It does not
// validate; Open does.
func FromEnv() (Config, error) {
	c := Config{
		Region:             os.Getenv(EnvRegion),
		Endpoint:           os.Getenv(EnvEndpoint),
		TableName:          os.Getenv(EnvTable),
		QueueURL:           os.Getenv(EnvQueueURL),
		HighQueueURL:       os.Getenv(EnvHighQueueURL),
		DeadLetterQueueURL: os.Getenv(EnvDLQURL),
		AssetsBucket:       os.Getenv(EnvAssetsBucket),
	}
	if v := os.Getenv(EnvMaxReceiveCount); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return Config{}, fmt.Errorf("%s=%q: %w", EnvMaxReceiveCount, v, err)
		}
		c.MaxReceiveCount = n
	}
	if v := os.Getenv(EnvRetentionDays); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return Config{}, fmt.Errorf("%s=%q: %w", EnvRetentionDays, v, err)
		}
		c.JobRetention = time.Duration(n) * 24 * time.Hour
	}
	if v := os.Getenv(EnvAssetURLExpiry); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return Config{}, fmt.Errorf("%s=%q: %w", EnvAssetURLExpiry, v, err)
		}
		c.AssetURLExpiry = time.Duration(n) * time.Second
	}
	return c, nil
}

// WithDefaults returns c with every unset field at its default.
func (c Config) WithDefaults() Config {
	if c.HighQueueURL == "" {
		c.HighQueueURL = c.QueueURL
	}
	if c.MaxReceiveCount == 0 {
		c.MaxReceiveCount = DefaultMaxReceiveCount
	}
	if c.JobRetention == 0 {
		c.JobRetention = dynamostore.DefaultRetention
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

// Clients are the SDK clients Jobline uses.
type Clients struct {
	DynamoDB *dynamodb.Client
	SQS      *sqs.Client
	// S3 uses path-style addressing when Config.Endpoint is set: an
	// emulator on 127.0.0.1 has no per-bucket host names.
	S3 *s3.Client
}

// NewClients loads the SDK configuration (credentials and region from the
// usual chain) once and builds the clients, with the SDK's standard
// retryer.
func NewClients(ctx context.Context, c Config) (Clients, error) {
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
		return Clients{}, fmt.Errorf("load AWS config: %w", err)
	}
	awsCfg.APIOptions = append(awsCfg.APIOptions, c.APIOptions...)
	if awsCfg.Region == "" {
		return Clients{}, fmt.Errorf("load AWS config: no region (set %s)", EnvRegion)
	}
	return Clients{
		DynamoDB: dynamodb.NewFromConfig(awsCfg),
		SQS:      sqs.NewFromConfig(awsCfg),
		S3: s3.NewFromConfig(awsCfg, func(o *s3.Options) {
			o.UsePathStyle = c.Endpoint != ""
		}),
	}, nil
}

// Backend is everything Jobline uses in AWS, built once.
type Backend struct {
	// Config is the configuration with its defaults filled in.
	Config  Config
	Clients Clients
	Store   jobs.Store
	Queue   *sqsqueue.Queue
	// Assets is the S3 store of job files; nil when Config.AssetsBucket is
	// empty.
	Assets blob.Store
}

// New validates cfg, builds the clients and returns the DynamoDB store,
// the SQS queue and, when cfg.AssetsBucket is set, the S3 store of assets.
// It makes no request.
func New(ctx context.Context, cfg Config) (*Backend, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	clients, err := NewClients(ctx, cfg)
	if err != nil {
		return nil, err
	}
	b := &Backend{Config: cfg, Clients: clients}
	b.Store, err = dynamostore.New(clients.DynamoDB, dynamostore.Config{
		TableName: cfg.TableName,
		Retention: cfg.JobRetention,
	})
	if err != nil {
		return nil, err
	}
	b.Queue, err = sqsqueue.New(clients.SQS, sqsqueue.Config{
		QueueURL:           cfg.QueueURL,
		HighQueueURL:       cfg.HighQueueURL,
		DeadLetterQueueURL: cfg.DeadLetterQueueURL,
		MaxReceiveCount:    cfg.MaxReceiveCount,
	})
	if err != nil {
		return nil, err
	}
	if cfg.AssetsBucket != "" {
		assets, err := s3blob.New(clients.S3, s3blob.Config{Bucket: cfg.AssetsBucket, URLExpiry: cfg.AssetURLExpiry})
		if err != nil {
			return nil, fmt.Errorf("assets store: %w", err)
		}
		b.Assets = assets
	}
	return b, nil
}

// RequireAssets returns the S3 store of assets, or an error naming
// EnvAssetsBucket when none is configured.
func (b *Backend) RequireAssets() (blob.Store, error) {
	if b.Assets == nil {
		return nil, fmt.Errorf("assets bucket is required (%s): job files are stored in S3", EnvAssetsBucket)
	}
	return b.Assets, nil
}

// AssetURL is api.Config.AssetURL for assets stored in S3: a fresh
// presigned URL of the asset's StoragePath at every read (the URL recorded
// when the job ran has long expired). An asset without a storage path, or
// a backend without an assets bucket, keeps its recorded URL.
func (b *Backend) AssetURL(ctx context.Context, a jobs.Asset) (string, error) {
	if b.Assets == nil || a.StoragePath == "" {
		return a.URL, nil
	}
	url, err := b.Assets.URL(ctx, a.StoragePath)
	if err != nil {
		return "", fmt.Errorf("asset %s URL: %w", a.ID, err)
	}
	return url, nil
}

// Open builds the clients and returns the DynamoDB store and the SQS queue
// that cfg describes (New also returns the assets store).
func Open(ctx context.Context, cfg Config) (jobs.Store, queue.Queue, error) {
	b, err := New(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	return b.Store, b.Queue, nil
}
