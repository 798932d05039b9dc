package worker

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

type ctxKey struct{}

// TestLazyContext: a lazyContext ends at its deadline (told by Err even if
// no one waited on Done, and by Done at the exact time when someone does),
// when its parent ends (unless detached), and when stopped, with the
// cause; it keeps its parent's values, and context.Cause tells its own end
// (its Err), not the parent's.
func TestLazyContext(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		parent, cancel := context.WithCancelCause(context.WithValue(context.Background(), ctxKey{}, "v"))
		defer cancel(nil)
		values := context.WithoutCancel(parent)
		start := time.Now()

		var unwatched lazyContext
		unwatched.init(values, parent, start.Add(time.Second))
		time.Sleep(time.Second)
		if err := unwatched.Err(); !errors.Is(err, context.DeadlineExceeded) || unwatched.Value(ctxKey{}) != "v" {
			t.Fatalf("past its deadline, never waited on: Err %v, value %v", err, unwatched.Value(ctxKey{}))
		}

		var waited lazyContext
		waited.init(values, parent, time.Now().Add(2*time.Second))
		<-waited.Done()
		if d := time.Since(start); d != 3*time.Second || !errors.Is(context.Cause(&waited), context.DeadlineExceeded) {
			t.Fatalf("Done closed after %s (cause %v), want at the deadline, 3s", d, context.Cause(&waited))
		}

		var child, detached lazyContext
		child.init(values, parent, time.Now().Add(time.Hour))
		detached.init(values, nil, time.Now().Add(time.Hour))
		done := child.Done()
		shutdown := errors.New("shutdown")
		cancel(shutdown)
		<-done
		if !errors.Is(child.Err(), context.Canceled) || child.causeOf() != shutdown || detached.Err() != nil {
			t.Fatalf("after the parent's cancel: child %v (%v), detached %v", child.Err(), child.causeOf(), detached.Err())
		}

		var stopped lazyContext
		stopped.init(context.Background(), nil, time.Now().Add(time.Hour))
		stopped.stop(context.Canceled, &stoppedError{})
		var se *stoppedError
		if !errors.Is(stopped.Err(), context.Canceled) || !errors.As(stopped.causeOf(), &se) || context.Cause(&stopped) != context.Canceled {
			t.Fatalf("stopped: %v, cause %v, context.Cause %v", stopped.Err(), stopped.causeOf(), context.Cause(&stopped))
		}
	})
}
