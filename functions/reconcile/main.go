// Command reconcile is the scheduled sweep (every minute): it re-sends the
// messages of jobs left queued or processing without one and fails jobs
// whose worker died on their last attempt (worker.Reconciler).
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"jobline/internal/lambdafn"
	"jobline/internal/worker"
)

func main() {
	log := lambdafn.Logger("reconcile")
	ctx := context.Background()
	be, err := lambdafn.OpenBackend(ctx)
	if err != nil {
		lambdafn.Exit(log, err)
	}
	rec, err := worker.NewReconciler(worker.ReconcilerConfig{Store: be.Store, Queue: be.Queue, Logger: log})
	if err != nil {
		lambdafn.Exit(log, err)
	}
	lambda.Start(func(ctx context.Context) (worker.Report, error) {
		rep, err := rec.RunOnce(ctx)
		if err != nil {
			// Per-job failures are retried by the next sweep; failing the
			// invocation would only add noise.
			log.WarnContext(ctx, "sweep finished with errors", "error", err, "report", rep)
		}
		return rep, nil
	})
}
