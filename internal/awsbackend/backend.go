package awsbackend

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"jobline/internal/blob/s3blob"
	"jobline/internal/jobs"
	"jobline/internal/jobs/dynamostore"
	"jobline/internal/queue/sqsqueue"
)

// Backend is Jobline in AWS: the DynamoDB store, the SQS queue and the S3
// store of assets, each built (with its SDK client) on first use and then
// kept. It is safe for concurrent use.
type Backend struct {
	cfg    Config
	awsCfg aws.Config

	dynamo lazy[*dynamodb.Client]
	sqs    lazy[*sqs.Client]
	s3     lazy[*s3.Client]
	store  lazy[*dynamostore.Store]
	queue  lazy[*sqsqueue.Queue]
	assets lazy[*s3blob.Store]
}

// New validates cfg (after its defaults) and loads the SDK configuration
// the clients will share. It builds no client and makes no request.
func New(ctx context.Context, cfg Config) (*Backend, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	awsCfg, err := loadAWSConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	b := &Backend{cfg: cfg, awsCfg: awsCfg}
	b.dynamo.build = func() (*dynamodb.Client, error) { return dynamodb.NewFromConfig(awsCfg), nil }
	b.sqs.build = func() (*sqs.Client, error) { return sqs.NewFromConfig(awsCfg), nil }
	b.s3.build = func() (*s3.Client, error) {
		// An emulator on 127.0.0.1 has no per-bucket host names.
		return s3.NewFromConfig(awsCfg, func(o *s3.Options) { o.UsePathStyle = cfg.Endpoint != "" }), nil
	}
	b.store.build = b.newStore
	b.queue.build = b.newQueue
	b.assets.build = b.newAssets
	return b, nil
}

// Config returns the configuration with its defaults filled in.
func (b *Backend) Config() Config { return b.cfg }

// DynamoDB returns the DynamoDB client.
func (b *Backend) DynamoDB() *dynamodb.Client {
	c, _ := b.dynamo.get() // building a client cannot fail
	return c
}

// SQS returns the SQS client.
func (b *Backend) SQS() *sqs.Client {
	c, _ := b.sqs.get() // building a client cannot fail
	return c
}

// S3 returns the S3 client; it addresses buckets path-style when
// Config.Endpoint is set.
func (b *Backend) S3() *s3.Client {
	c, _ := b.s3.get() // building a client cannot fail
	return c
}

// AWSConfig is the SDK configuration the clients share, for a client this
// package does not build (the admin function's CloudWatch client), so
// that the other functions do not link it.
func (b *Backend) AWSConfig() aws.Config { return b.awsCfg }

// Store returns the DynamoDB store of jobs.
func (b *Backend) Store() (*dynamostore.Store, error) { return b.store.get() }

// Queue returns the SQS queue (default and high-priority queues, DLQ).
func (b *Backend) Queue() (*sqsqueue.Queue, error) { return b.queue.get() }

// StoreAndQueue returns the store and the queue, what every function that
// moves jobs along (processjob, reconcile, dlqredrive) and the dev server
// use.
func (b *Backend) StoreAndQueue() (*dynamostore.Store, *sqsqueue.Queue, error) {
	store, err := b.Store()
	if err != nil {
		return nil, nil, err
	}
	q, err := b.Queue()
	if err != nil {
		return nil, nil, err
	}
	return store, q, nil
}

// Assets returns the S3 store of job files, or an error naming
// EnvAssetsBucket when Config.AssetsBucket is empty.
func (b *Backend) Assets() (*s3blob.Store, error) { return b.assets.get() }

// AssetURL is api.Config.AssetURL for assets stored in S3: a fresh
// presigned URL of the asset's StoragePath at every read (the URL recorded
// when the job ran has long expired). An asset without a storage path, or
// a backend without an assets bucket, keeps its recorded URL.
func (b *Backend) AssetURL(ctx context.Context, a jobs.Asset) (string, error) {
	if b.cfg.AssetsBucket == "" || a.StoragePath == "" {
		return a.URL, nil
	}
	assets, err := b.Assets()
	if err != nil {
		return "", err
	}
	url, err := assets.URL(ctx, a.StoragePath)
	if err != nil {
		return "", fmt.Errorf("asset %s URL: %w", a.ID, err)
	}
	return url, nil
}

func (b *Backend) newStore() (*dynamostore.Store, error) {
	return dynamostore.New(b.DynamoDB(), dynamostore.Config{TableName: b.cfg.TableName, Retention: b.cfg.JobRetention})
}

func (b *Backend) newQueue() (*sqsqueue.Queue, error) {
	return sqsqueue.New(b.SQS(), sqsqueue.Config{
		QueueURL:           b.cfg.QueueURL,
		HighQueueURL:       b.cfg.HighQueueURL,
		DeadLetterQueueURL: b.cfg.DeadLetterQueueURL,
		MaxReceiveCount:    b.cfg.MaxReceiveCount,
	})
}

func (b *Backend) newAssets() (*s3blob.Store, error) {
	if b.cfg.AssetsBucket == "" {
		return nil, fmt.Errorf("assets bucket is required (%s): job files are stored in S3", EnvAssetsBucket)
	}
	assets, err := s3blob.New(b.S3(), s3blob.Config{Bucket: b.cfg.AssetsBucket, URLExpiry: b.cfg.AssetURLExpiry})
	if err != nil {
		return nil, fmt.Errorf("assets store: %w", err)
	}
	return assets, nil
}

// lazy is a value built on first use, once, that remembers whether it was
// built (the tests check what a process built).
type lazy[T any] struct {
	build func() (T, error)
	once  sync.Once
	v     T
	err   error
	built atomic.Bool
}

func (l *lazy[T]) get() (T, error) {
	l.once.Do(func() {
		l.v, l.err = l.build()
		l.built.Store(true)
	})
	return l.v, l.err
}
