// Command processjob is the SQS-triggered worker: it runs the messages
// waiting in the high-priority lane (a queue no event source mapping polls)
// when its batch gives it a reason to look there (a wake-up, or a full
// batch), then each record of its batch, through the engine, a few at a
// time, and reports the records whose messages must come back as batch
// item failures (internal/sqsbatch).
//
// Environment (besides awsenv's, of which JOBLINE_ASSETS_BUCKET is
// required here: jobs write their files to S3): JOBLINE_RECORD_CONCURRENCY
// (default 4), JOBLINE_MIN_REMAINING_SECONDS (default 15: a record is not
// started with less time left), JOBLINE_VISIBILITY_TIMEOUT_SECONDS (the
// queues' VisibilityTimeout, default 1800: how far each heartbeat of a
// running job pushes its message's visibility),
// JOBLINE_FUNCTION_TIMEOUT_SECONDS (the function's Timeout, default 300:
// start-up fails when a job type's timeout does not fit in it),
// JOBLINE_PROCESS_BATCH_SIZE (the event source mapping's BatchSize,
// default 10: a batch that large tells of a backlog, and looks at the
// high-priority lane).
package main

import (
	"context"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"jobline/internal/awsbackend/jobfiles"
	"jobline/internal/awsbackend/jobqueue"
	"jobline/internal/deploy"
	"jobline/internal/jobs/dynamostore"
	"jobline/internal/lambdafn"
	"jobline/internal/metrics"
	"jobline/internal/queue"
	"jobline/internal/sqsbatch"
	"jobline/internal/worker"
)

// Variables read here, besides awsenv's and deploy.EnvVisibilityTimeout.
const (
	envRecordConcurrency = "JOBLINE_RECORD_CONCURRENCY"
	envMinRemaining      = "JOBLINE_MIN_REMAINING_SECONDS"
)

func main() {
	lambdafn.Start("processjob", func(ctx context.Context, in *lambdafn.Init) (any, error) {
		store, q, err := jobqueue.OpenStoreAndQueue(ctx, in.AWS, in.Config)
		if err != nil {
			return nil, err
		}
		assets, err := jobfiles.Open(ctx, in.AWS, in.Config)
		if err != nil {
			return nil, err
		}
		// The job metrics of an invocation go out as one EMF line per job
		// type, when it ends (docs/aws.md, "CloudWatch Logs").
		batch := metrics.NewBatch(in.Metrics)
		engine, err := worker.NewEngine(worker.Config{
			Store: store, Queue: q, Registry: lambdafn.Registry(assets), Logger: in.Log, Metrics: batch,
			VisibilityTimeout: deploy.VisibilityTimeoutFromEnv(in.Env, deploy.VisibilityTimeout),
			MaxRunTime:        in.Env.Seconds(deploy.EnvFunctionTimeout, deploy.ProcessJobTimeout, time.Second, 15*time.Minute) - sqsbatch.DefaultStopMargin,
			ProgressInterval:  dynamostore.ProgressInterval,
		})
		if err != nil {
			return nil, err
		}
		runner, err := sqsbatch.New(sqsbatch.Config{
			Engine:       engine,
			Queue:        q,
			Records:      q,
			Lane:         q,
			FullBatch:    in.Env.Int(deploy.EnvProcessBatchSize, deploy.ProcessBatchSize, 1, queue.MaxBatch),
			Concurrency:  in.Env.Int(envRecordConcurrency, sqsbatch.DefaultConcurrency, 1, 100),
			MinRemaining: in.Env.Seconds(envMinRemaining, sqsbatch.DefaultMinRemaining, 0, 15*time.Minute),
			Logger:       in.Log,
		})
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
			defer batch.Flush()
			return runner.Handle(ctx, ev)
		}, nil
	})
}
