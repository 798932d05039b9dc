// Command processjob is the SQS-triggered worker: it runs each record of a
// batch through the engine, a few at a time, and reports the records whose
// messages must come back as batch item failures.
//
// Environment (besides awsbackend's, of which JOBLINE_ASSETS_BUCKET is
// required here: jobs write their files to S3): JOBLINE_RECORD_CONCURRENCY
// (default 4), JOBLINE_MIN_REMAINING_SECONDS (default 15: a record is not
// started with less time left), JOBLINE_VISIBILITY_TIMEOUT_SECONDS (the
// queues' VisibilityTimeout, default 1800: how far each heartbeat of a
// running job pushes its message's visibility).
package main

import (
	"context"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"jobline/internal/lambdafn"
	"jobline/internal/worker"
)

func main() {
	log := lambdafn.Logger("processjob")
	ctx := context.Background()
	be, err := lambdafn.OpenBackend(ctx)
	if err != nil {
		lambdafn.Exit(log, err)
	}
	assets, err := be.RequireAssets()
	if err != nil {
		lambdafn.Exit(log, err)
	}
	visibility, err := lambdafn.VisibilityTimeout()
	if err != nil {
		lambdafn.Exit(log, err)
	}
	engine, err := worker.NewEngine(worker.Config{
		Store: be.Store, Queue: be.Queue, Registry: lambdafn.Registry(assets), Logger: log,
		VisibilityTimeout: visibility,
	})
	if err != nil {
		lambdafn.Exit(log, err)
	}
	concurrency, err := lambdafn.IntEnv("JOBLINE_RECORD_CONCURRENCY", lambdafn.DefaultConcurrency)
	if err != nil {
		lambdafn.Exit(log, err)
	}
	minRemaining, err := lambdafn.IntEnv("JOBLINE_MIN_REMAINING_SECONDS", int(lambdafn.DefaultMinRemaining/time.Second))
	if err != nil {
		lambdafn.Exit(log, err)
	}
	batch, err := lambdafn.NewBatch(lambdafn.BatchConfig{
		Engine:       engine,
		Queue:        be.Queue,
		Receipts:     be.Queue,
		Concurrency:  concurrency,
		MinRemaining: time.Duration(minRemaining) * time.Second,
		Logger:       log,
	})
	if err != nil {
		lambdafn.Exit(log, err)
	}
	lambda.Start(batch.Handle)
}
