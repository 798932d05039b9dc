// Command reconcile is the scheduled sweep (every minute): it re-sends the
// messages of jobs left queued or processing without one and fails jobs
// whose worker died on their last attempt (worker.Reconciler).
package main

import (
	"context"

	"jobline/internal/lambdafn"
	"jobline/internal/worker"
)

func main() {
	lambdafn.Start("reconcile", func(_ context.Context, in *lambdafn.Init) (any, error) {
		store, q, err := in.Backend.StoreAndQueue()
		if err != nil {
			return nil, err
		}
		rec, err := worker.NewReconciler(worker.ReconcilerConfig{Store: store, Queue: q, Logger: in.Log, Metrics: in.Metrics})
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context) (worker.Report, error) {
			rep, err := rec.RunOnce(ctx)
			if err != nil {
				// Per-job failures are retried by the next sweep; failing
				// the invocation would only add noise.
				in.Log.WarnContext(ctx, "sweep finished with errors", "error", err, "report", rep)
			}
			return rep, nil
		}, nil
	})
}
