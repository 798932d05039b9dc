package worker

import (
	"context"
	"sync"
	"time"
)

// lazyContext is a context that ends at a deadline, when stopped, or when
// its parent ends, and that costs no timer until someone waits on Done:
// until then Err reads the clock and the parent instead. Most jobs' handlers
// and most store calls finish without waiting on their context, so a job
// that ends at once starts no timer (context.WithDeadline starts one at
// creation).
//
// Its values are the parent's, read through a context.WithoutCancel of it
// (which the caller makes once per delivery), so that context.Cause of a
// lazyContext is its own Err, never the parent's cause (context.Cause knows
// the causes of the standard library's contexts only; the engine reads a
// lazyContext's with causeOf).
type lazyContext struct {
	context.Context                 // values only: context.WithoutCancel(parent) or below
	parent          context.Context // ends it too; nil for a detached context
	deadline        time.Time

	mu         sync.Mutex
	done       chan struct{} // made by the first Done
	err, cause error
	timer      *time.Timer // started by the first Done
	stopParent func() bool // the parent's AfterFunc, set by the first Done
}

// init makes c a context with the values of values (a context that never
// ends: a context.WithoutCancel, or a detached lazyContext) that ends at
// deadline, and when parent ends unless parent is nil.
func (c *lazyContext) init(values, parent context.Context, deadline time.Time) {
	c.Context, c.parent, c.deadline = values, parent, deadline
}

// Deadline returns the deadline given to init.
func (c *lazyContext) Deadline() (time.Time, bool) { return c.deadline, true }

// Err returns why c ended, nil while it runs.
func (c *lazyContext) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.errLocked()
}

// causeOf returns the cause c ended with (context.Cause's answer), nil
// while it runs.
func (c *lazyContext) causeOf() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.errLocked()
	return c.cause
}

// errLocked notices an end that no timer reported (no one waited on Done).
func (c *lazyContext) errLocked() error {
	if c.err != nil {
		return c.err
	}
	if c.parent != nil && c.parent.Err() != nil {
		c.endLocked(c.parent.Err(), context.Cause(c.parent))
	} else if !time.Now().Before(c.deadline) {
		c.endLocked(context.DeadlineExceeded, context.DeadlineExceeded)
	}
	return c.err
}

// Done returns a channel closed when c ends; the first call starts the
// timer of the deadline and the watch of the parent.
func (c *lazyContext) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done != nil {
		return c.done
	}
	c.done = make(chan struct{})
	if c.errLocked() != nil {
		close(c.done)
		return c.done
	}
	c.timer = time.AfterFunc(time.Until(c.deadline), func() { c.stop(context.DeadlineExceeded, context.DeadlineExceeded) })
	if c.parent != nil {
		parent := c.parent
		c.stopParent = context.AfterFunc(parent, func() { c.stop(parent.Err(), context.Cause(parent)) })
	}
	return c.done
}

// stop ends c with err and cause, unless it ended already.
func (c *lazyContext) stop(err, cause error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		c.endLocked(err, cause)
	}
}

func (c *lazyContext) endLocked(err, cause error) {
	c.err, c.cause = err, cause
	if c.done != nil {
		close(c.done)
	}
	c.releaseLocked()
}

// release frees c's timer and parent watch; c keeps running, but only Err
// and Done's channel (if made) still tell its end.
func (c *lazyContext) release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.releaseLocked()
}

func (c *lazyContext) releaseLocked() {
	if c.timer != nil {
		c.timer.Stop()
		c.timer = nil
	}
	if c.stopParent != nil {
		c.stopParent()
		c.stopParent = nil
	}
}

// opContext returns a context for a call that records an outcome: it has
// the values of the caller's context but not its end, and ends after
// timeout. Like context.WithTimeout(context.WithoutCancel(ctx), timeout),
// without a timer unless the call waits on it.
func (dv *delivery) opContext(timeout time.Duration) *lazyContext {
	c := &lazyContext{}
	c.init(dv.values, nil, time.Now().Add(timeout))
	return c
}
