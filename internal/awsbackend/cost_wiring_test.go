package awsbackend_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"jobline/internal/api"
	"jobline/internal/awsbackend/awstest"
	"jobline/internal/blob/s3blob"
	"jobline/internal/clock"
	"jobline/internal/demojobs"
	"jobline/internal/deploy"
	"jobline/internal/jobs/dynamostore"
	"jobline/internal/queue"
	"jobline/internal/queue/sqsqueue"
	"jobline/internal/worker"
)

// costHarnessName names the code the cost report measures.
const costHarnessName = "this branch"

// clientPolicy is the browsers' poll policy: the web client's default.
var clientPolicy pollPolicy = serverGuided{}

// costSystem is the job system wired as the Lambda functions wire it, on a
// fresh table and fresh queues of the emulator, with every DynamoDB
// request metered and every AWS request of the application counted.
type costSystem struct {
	api        http.Handler
	engine     *worker.Engine
	esm        *sqsqueue.Queue // the event source mapping's view of the queues, on an uncounted client
	counter    *awstest.RequestCounter
	meter      *awstest.Meter
	reconciler *worker.Reconciler
	shards     [2]int // the store's creation and sweep shards
}

func newCostSystem(t testing.TB) *costSystem {
	t.Helper()
	cfg := awstest.Config(t)
	raw := awstest.Clients(t, cfg)
	path, err := awstest.TemplatePath()
	if err != nil {
		t.Fatal(err)
	}
	schema, err := awstest.LoadTableSchema(path, "JobsTable")
	if err != nil {
		t.Fatal(err)
	}
	s := &costSystem{counter: awstest.NewRequestCounter(), meter: awstest.NewMeter(schema, raw.DynamoDB)}
	clients := awstest.Clients(t, cfg, awstest.TimeCalls, s.counter.APIOption, s.meter.APIOption)
	storeCfg := awstest.StoreConfig(cfg, awstest.NewTable(t, raw.DynamoDB, cfg)) // the stack's shard counts: template.yaml's defaults
	s.shards = [2]int{storeCfg.CreationShards, storeCfg.SweepShards}
	store, err := dynamostore.New(clients.DynamoDB, storeCfg)
	if err != nil {
		t.Fatal(err)
	}
	queues := awstest.NewQueues(t, raw.SQS, cfg, 0)
	q, err := sqsqueue.New(clients.SQS, queues)
	if err != nil {
		t.Fatal(err)
	}
	if s.esm, err = sqsqueue.New(raw.SQS, queues); err != nil {
		t.Fatal(err)
	}
	assets, err := s3blob.New(clients.S3, s3blob.Config{Bucket: cfg.AssetsBucket, Prefix: "cost-" + time.Now().Format("150405.000000") + "/"})
	if err != nil {
		t.Fatal(err)
	}
	reg := worker.NewRegistry()
	demojobs.Register(reg, assets)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	h, err := api.New(api.Config{Store: store, Queue: q, Logger: quiet, ValidateJob: reg.Validate})
	if err != nil {
		t.Fatal(err)
	}
	s.api = api.HeaderIdentity(h)
	// As processjob configures it.
	s.engine, err = worker.NewEngine(worker.Config{Store: store, Queue: q, Registry: reg, Logger: quiet,
		VisibilityTimeout: deploy.VisibilityTimeout, ProgressInterval: dynamostore.ProgressInterval})
	if err != nil {
		t.Fatal(err)
	}
	// A sweep long after the jobs ended, as the scheduled reconciler sees them.
	s.reconciler, err = worker.NewReconciler(worker.ReconcilerConfig{Store: store, Queue: q, Logger: quiet,
		Clock: clock.NewFake(time.Now().Add(10 * time.Minute))})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// process runs one message; true when it is to be deleted.
func (s *costSystem) process(ctx context.Context, m queue.Message) bool {
	return s.engine.Process(ctx, m).Disposition == worker.AckMessage
}

// reconcile runs one reconciler sweep.
func (s *costSystem) reconcile() error {
	_, err := s.reconciler.RunOnce(context.Background())
	return err
}
