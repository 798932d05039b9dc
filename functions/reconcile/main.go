// Command reconcile is the scheduled sweep (every minute): it re-sends the
// messages of jobs left queued or processing without one and fails jobs
// whose worker died on their last attempt (worker.Reconciler). It is also
// the safety net of the high-priority lane's wake-ups: when the lane holds
// messages, it sends one (sqsqueue.Queue.WakeLane).
package main

import (
	"context"
	"errors"
	"fmt"

	"jobline/internal/awsbackend/jobqueue"
	"jobline/internal/lambdafn"
	"jobline/internal/worker"
)

func main() {
	lambdafn.Start("reconcile", func(ctx context.Context, in *lambdafn.Init) (any, error) {
		store, q, err := jobqueue.OpenStoreAndQueue(ctx, in.AWS, in.Config)
		if err != nil {
			return nil, err
		}
		rec, err := worker.NewReconciler(worker.ReconcilerConfig{Store: store, Queue: q, Logger: in.Log, Metrics: in.Metrics})
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context) (worker.Report, error) {
			rep, err := rec.RunOnce(ctx)
			if woke, werr := q.WakeLane(ctx); werr != nil {
				err = errors.Join(err, werr)
			} else if woke {
				in.Log.InfoContext(ctx, "woke the worker for the high-priority lane")
			}
			if err != nil {
				// The invocation fails, so that sweeps that keep failing
				// raise ReconcileErrorsAlarm (template.yaml). Lambda does
				// not retry it (EventInvokeConfig): the next sweep, a
				// minute later, does the same work.
				in.Log.ErrorContext(ctx, "sweep failed", "error", err, "report", rep)
				return rep, fmt.Errorf("reconcile sweep: %w", err)
			}
			return rep, nil
		}, nil
	})
}
