// Command processjob is the SQS-triggered worker: it runs each record of a
// batch through the engine, a few at a time, and reports the records whose
// messages must come back as batch item failures.
//
// Environment (besides awsbackend's): JOBLINE_RECORD_CONCURRENCY (default
// 4), JOBLINE_MIN_REMAINING_SECONDS (default 15: a record is not started
// with less time left).
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
	reg, err := lambdafn.Registry()
	if err != nil {
		lambdafn.Exit(log, err)
	}
	engine, err := worker.NewEngine(worker.Config{Store: be.Store, Queue: be.Queue, Registry: reg, Logger: log})
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
		QueueURL:     be.Config.QueueURL,
		HighQueueURL: be.Config.HighQueueURL,
		Concurrency:  concurrency,
		MinRemaining: time.Duration(minRemaining) * time.Second,
		Logger:       log,
	})
	if err != nil {
		lambdafn.Exit(log, err)
	}
	lambda.Start(batch.Handle)
}
