// Package dynamostore is the DynamoDB implementation of jobs.Store.
//
// One table holds jobs and their assets (template.yaml, JobsTable); every
// index projects KEYS_ONLY, so a write costs an index write only when it
// changes that index's keys:
//
//	job   item: PK=JOB#<id>  SK=JOB
//	asset item: PK=JOB#<id>  SK=ASSET#<createdAt>#<assetId>
//	GSI1 (by owner):     GSI1PK=O#<owner>  GSI1SK=<createdAt>#<id>   written once, at create
//	GSI3 (by creation):  GSI3PK=C#<shard>  GSI1SK                    written once, at create
//	GSI2 (sweep):        GSI2PK=S#<shard>  GSI2SK=<sweepAt>          only jobs that outlive their creation window
//	ttl:                 epoch seconds on final jobs and their assets: completedAt + retention
//
// Every transition is one UpdateItem whose ConditionExpression encodes the
// lifecycle table and, for the lease holder's writes, the lease token
// (fencing). A failed condition returns the item as it was
// (ReturnValuesOnConditionCheckFailure ALL_OLD), from which the store tells
// a missing job from a wrong status or a lost lease without a second read.
// Lists read keys from an index and the page's items with one
// BatchGetItem: two requests a page (list.go). The reconciler's view of
// unfinished jobs is built lazily from the creation index (sweep.go).
package dynamostore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"jobline/internal/awsapi/dynamo"
	"jobline/internal/deploy"
	"jobline/internal/jobs"
)

// Config configures a Store.
type Config struct {
	// TableName is the DynamoDB table. Required.
	TableName string
	// Retention is how long a final job and its assets are kept before the
	// table's TTL deletes them. Default 30 days.
	Retention time.Duration
	// SweepShards is the number of partitions of the sweep index (GSI2).
	// A job in it costs 4 index writes (it enters, a claim moves it, the
	// finish removes it) and a partition takes 1,000 a second, so n shards
	// carry n x 250 jobs a second entering a backlog; each costs every
	// sweep a Query, even idle. Default DefaultSweepShards (2: 500 jobs a
	// second); 40 carry 10,000 (docs/scale.md). It may change on a live
	// table (shards.go).
	SweepShards int
	// CreationShards is the number of partitions of the creation index
	// (GSI3), which every new job writes once: n shards carry n x 1,000
	// creates a second, and the reconciler's window walks WindowBatch jobs
	// of each a sweep. Each costs every sweep a Query, even idle, and
	// every ListAll page a Query. Default DefaultCreationShards (2: 1,666
	// jobs a second, the window's limit); 16 carry 10,000 (docs/scale.md).
	// It may change on a live table (shards.go).
	CreationShards int
	// SweepLag is how far the reconciler's creation window trails the
	// creation time: a job created at t is looked at once ListDue's before
	// passes t + SweepLag, and enters the sweep index only if it is not
	// final by then. A job due earlier than its window (SweepAt < CreatedAt
	// + SweepLag) is indexed at create. Default jobs.DefaultQueuedGrace.
	SweepLag time.Duration
	// WindowBatch is how many jobs of each creation shard one ListDue call
	// examines at most (the rest wait for the next call): with a sweep a
	// minute, 50,000 keep up with 833 jobs a second a shard (2 shards:
	// 1,666; 16: 13,333). Default 50,000.
	WindowBatch int
	// ConsistentGet makes Get a strongly consistent read (twice the read
	// cost). Default false: the API's reads are eventually consistent, and
	// the engine never decides on a read alone (its writes are conditional).
	ConsistentGet bool
}

// DefaultRetention is Config.Retention's default, template.yaml's.
const DefaultRetention = deploy.JobRetention

// Defaults of Config.
const (
	DefaultSweepShards    = deploy.SweepShards
	DefaultCreationShards = deploy.CreationShards
	DefaultSweepLag       = jobs.DefaultQueuedGrace
	DefaultWindowBatch    = 50_000
)

// ProgressInterval is the progress coalescing interval that suits this
// store (processjob's engine uses it): each progress write costs a write
// unit, and a browser that follows Retry-After reads a job every few
// seconds at most, so a job that reports every second is written every
// 5 s (a 10-second job: 2 progress writes).
const ProgressInterval = 5 * time.Second

// WithDefaults returns c with every unset field at its default.
func (c Config) WithDefaults() Config {
	c.Retention = cmp.Or(c.Retention, DefaultRetention)
	c.SweepShards = cmp.Or(c.SweepShards, DefaultSweepShards)
	c.CreationShards = cmp.Or(c.CreationShards, DefaultCreationShards)
	c.SweepLag = cmp.Or(c.SweepLag, DefaultSweepLag)
	c.WindowBatch = cmp.Or(c.WindowBatch, DefaultWindowBatch)
	return c
}

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	if c.TableName == "" {
		return errors.New("dynamostore: TableName is required")
	}
	if c.Retention < 0 {
		return fmt.Errorf("dynamostore: Retention %v is negative", c.Retention)
	}
	if c.SweepShards < 0 || c.SweepShards > deploy.MaxShards || c.CreationShards < 0 || c.CreationShards > deploy.MaxShards {
		return fmt.Errorf("dynamostore: SweepShards %d and CreationShards %d must be within 1..%d", c.SweepShards, c.CreationShards, deploy.MaxShards)
	}
	if c.WindowBatch < 0 {
		return fmt.Errorf("dynamostore: WindowBatch %d is negative", c.WindowBatch)
	}
	if c.SweepLag < 0 {
		return fmt.Errorf("dynamostore: SweepLag %v is negative", c.SweepLag)
	}
	return nil
}

// Store is a jobs.Store on a DynamoDB table. It is safe for concurrent use.
type Store struct {
	db  *dynamo.Client
	cfg Config
}

var _ jobs.Store = (*Store)(nil)

// New returns a Store on client, with cfg's defaults applied, or the
// error of an invalid cfg. It makes no request.
func New(client *dynamo.Client, cfg Config) (*Store, error) {
	if client == nil {
		return nil, errors.New("dynamostore: nil DynamoDB client")
	}
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Store{db: client, cfg: cfg}, nil
}

// Create stores a new job (jobs.PrepareCreate) with one conditional
// PutItem. If the ID exists, the existing job comes back from the failed
// condition (ALL_OLD).
func (s *Store) Create(ctx context.Context, job jobs.Job) (jobs.Job, bool, error) {
	job, err := jobs.PrepareCreate(job)
	if err != nil {
		return jobs.Job{}, false, err
	}
	av, err := attributevalue.MarshalMap(s.newJobItem(job))
	if err != nil {
		return jobs.Job{}, false, fmt.Errorf("create job %s: marshal: %w", job.ID, err)
	}
	expr, err := expression.NewBuilder().
		WithCondition(expression.AttributeNotExists(expression.Name("PK"))).Build()
	if err != nil {
		return jobs.Job{}, false, fmt.Errorf("create job %s: build expression: %w", job.ID, err)
	}
	_, err = s.db.PutItem(ctx, &dynamo.PutItemInput{
		TableName:                           &s.cfg.TableName,
		Item:                                av,
		ConditionExpression:                 expr.Condition(),
		ExpressionAttributeNames:            expr.Names(),
		ExpressionAttributeValues:           expr.Values(),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if err == nil {
		return job, true, nil
	}
	if old, ok := conditionFailedItem(err); ok && len(old) > 0 {
		existing, derr := decodeJob(old)
		if derr != nil {
			return jobs.Job{}, false, fmt.Errorf("create job %s: %w", job.ID, derr)
		}
		return existing, false, nil
	}
	return jobs.Job{}, false, translate("create", job.ID, err, nil)
}

// Get reads a job with one GetItem (eventually consistent unless
// Config.ConsistentGet).
func (s *Store) Get(ctx context.Context, id string) (jobs.Job, error) {
	return s.get(ctx, id, s.cfg.ConsistentGet)
}

// GetLatest returns a job by ID with a strongly consistent read (twice the
// read units of Get's default): the engine's quick runs read with it, so
// that a duplicate message for a job that just finished does not run its
// handler again.
func (s *Store) GetLatest(ctx context.Context, id string) (jobs.Job, error) {
	return s.get(ctx, id, true)
}

func (s *Store) get(ctx context.Context, id string, consistent bool) (jobs.Job, error) {
	out, err := s.db.GetItem(ctx, &dynamo.GetItemInput{
		TableName:      &s.cfg.TableName,
		Key:            jobKey(id),
		ConsistentRead: aws.Bool(consistent),
	})
	if err != nil {
		return jobs.Job{}, translate("get", id, err, nil)
	}
	if len(out.Item) == 0 {
		return jobs.Job{}, fmt.Errorf("get job %s: %w", id, jobs.ErrNotFound)
	}
	j, err := decodeJob(out.Item)
	if err != nil {
		return jobs.Job{}, fmt.Errorf("get job %s: %w", id, err)
	}
	return j, nil
}

// conditionFailedItem returns the item that a failed condition reported
// (ALL_OLD), from a single write or the first failed part of a
// transaction. ok is false when err is not a failed condition.
func conditionFailedItem(err error) (map[string]types.AttributeValue, bool) {
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return ccf.Item, true
	}
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) {
		for _, r := range tce.CancellationReasons {
			if aws.ToString(r.Code) == "ConditionalCheckFailed" {
				return r.Item, true
			}
		}
	}
	return nil, false
}

// translate is the one place where DynamoDB errors become the domain's.
// A failed condition with no item means the job does not exist; with an
// item, reject (the operation's rule of package jobs, applied to the job as
// stored) says why the job refused the operation. Load is
// jobs.ErrUnavailable; a request DynamoDB refuses as invalid (an item over
// 400 KB) is jobs.ErrWriteRejected, never retried as transient. Anything
// else is wrapped as is.
func translate(op, id string, err error, reject func(jobs.Job) error) error {
	old, ok := conditionFailedItem(err)
	if !ok {
		switch {
		case retryLater(err):
			return fmt.Errorf("%s job %s: %w: %w", op, id, jobs.ErrUnavailable, err)
		case invalidRequest(err):
			return fmt.Errorf("%s job %s: %w: %w", op, id, jobs.ErrWriteRejected, err)
		}
		return fmt.Errorf("%s job %s: %w", op, id, err)
	}
	if len(old) == 0 || reject == nil {
		return fmt.Errorf("%s job %s: %w", op, id, jobs.ErrNotFound)
	}
	current, derr := decodeJob(old)
	if derr != nil {
		return fmt.Errorf("%s job %s: %w", op, id, derr)
	}
	why := reject(current)
	if errors.Is(why, jobs.ErrNotFound) {
		return fmt.Errorf("%s job %s: %w", op, id, jobs.ErrNotFound)
	}
	return &jobs.TransitionError{Op: op, JobID: id, Current: current, Err: why}
}

// invalidRequest reports whether DynamoDB refused a request as invalid:
// the same request can never succeed.
func invalidRequest(err error) bool {
	var apiErr smithy.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode() == "ValidationException"
}

// retryLater reports whether DynamoDB refused a request for load or a
// passing fault (what is left once the SDK's retryer gave up), as opposed
// to a request that can never succeed.
func retryLater(err error) bool {
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	switch apiErr.ErrorCode() {
	case "ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded",
		"InternalServerError", "ServiceUnavailable", "LimitExceededException":
		return true
	}
	return false
}
