package awsbackend

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"

	"jobline/internal/awsapi"
	"jobline/internal/awsapi/dynamo"
	"jobline/internal/awsapi/s3api"
	"jobline/internal/awsapi/sqsapi"
	"jobline/internal/awsbackend/jobfiles"
	"jobline/internal/awsbackend/jobqueue"
	"jobline/internal/awsbackend/jobstore"
	"jobline/internal/blob/s3blob"
	"jobline/internal/jobs"
	"jobline/internal/jobs/dynamostore"
	"jobline/internal/queue/sqsqueue"
)

// Backend is Jobline in AWS: the DynamoDB store, the SQS queue and the S3
// store of assets, each built (with its client) on first use and then
// kept. It is safe for concurrent use.
type Backend struct {
	cfg    Config
	awsCfg aws.Config

	dynamo lazy[*dynamo.Client]
	sqs    lazy[*sqsapi.Client]
	s3     lazy[*s3api.Client]
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
	awsCfg, err := LoadSDKConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	b := &Backend{cfg: cfg, awsCfg: awsCfg}
	opts := awsapi.Options{Hooks: cfg.Hooks}
	b.dynamo.build = func() (*dynamo.Client, error) { return dynamo.New(ctx, awsCfg, opts) }
	b.sqs.build = func() (*sqsapi.Client, error) { return sqsapi.New(ctx, awsCfg, opts) }
	b.s3.build = func() (*s3api.Client, error) { return jobfiles.Client(ctx, awsCfg, opts) }
	b.store.build = on(&b.dynamo, func(c *dynamo.Client) (*dynamostore.Store, error) { return jobstore.New(c, cfg) })
	b.queue.build = on(&b.sqs, func(c *sqsapi.Client) (*sqsqueue.Queue, error) { return jobqueue.New(c, cfg) })
	b.assets.build = on(&b.s3, func(c *s3api.Client) (*s3blob.Store, error) { return jobfiles.New(c, cfg) })
	return b, nil
}

// Config returns the configuration with its defaults filled in.
func (b *Backend) Config() Config { return b.cfg }

// DynamoDB returns the DynamoDB client.
func (b *Backend) DynamoDB() (*dynamo.Client, error) { return b.dynamo.get() }

// SQS returns the SQS client.
func (b *Backend) SQS() (*sqsapi.Client, error) { return b.sqs.get() }

// S3 returns the S3 client; it addresses buckets path-style behind an
// endpoint override.
func (b *Backend) S3() (*s3api.Client, error) { return b.s3.get() }

// AWSConfig is the SDK configuration the clients share, for a client this
// package does not build (CloudWatch's, which only the admin API reads).
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
// awsenv.EnvAssetsBucket when Config.AssetsBucket is empty.
func (b *Backend) Assets() (*s3blob.Store, error) { return b.assets.get() }

// AssetURL is api.Config.AssetURL for assets stored in S3
// (jobfiles.AssetURL). A backend without an assets bucket keeps every
// asset's recorded URL.
func (b *Backend) AssetURL(ctx context.Context, a jobs.Asset) (string, error) {
	if b.cfg.AssetsBucket == "" {
		return a.URL, nil
	}
	files, err := b.Assets()
	if err != nil {
		return "", err
	}
	return jobfiles.AssetURL(files)(ctx, a)
}

// on returns the build of something made on client's value: it builds the
// client first (once), and fails with it.
func on[C, T any](client *lazy[C], build func(C) (T, error)) func() (T, error) {
	return func() (T, error) {
		c, err := client.get()
		if err != nil {
			var zero T
			return zero, err
		}
		return build(c)
	}
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
