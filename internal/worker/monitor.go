package worker

import (
	"context"
	"sync"
	"time"

	"jobline/internal/jobs"
)

// This file watches running attempts. The monitor of an attempt extends
// its message's visibility, polls for a cancel and writes pending
// progress, each at its own interval counted from the attempt's start. A
// job that ends before the shortest of these intervals needs none of it,
// so it gets no goroutine and no timer: the engine keeps one timer for all
// its attempts (watchList), which starts an attempt's monitor goroutine
// only once the attempt has run for the shortest interval.

// attempt is what the engine and the monitor keep of a running handler.
type attempt struct {
	dv      *delivery // the delivery it belongs to
	task    Task
	ctx     lazyContext // the handler's context
	started time.Time
	end     attemptEnd
	// began and ended are when the handler ran, by the engine's clock.
	began, ended time.Time

	// Its place in the watch list, while its monitor has not started.
	due        time.Time
	prev, next *attempt
	watched    bool
	// The monitor goroutine, once started: closing stop ends it, done is
	// closed when it has.
	stop, done chan struct{}
}

// watchList is an engine's attempts whose monitor has not started, oldest
// (so first due) first, and the one timer that starts their monitors.
type watchList struct {
	after time.Duration // the shortest monitor interval
	start func(*delivery, <-chan struct{})

	mu         sync.Mutex
	head, tail *attempt
	timer      *time.Timer
	armed      bool
}

// add watches a that has just started: its monitor starts once it has run
// for w.after.
func (w *watchList) add(a *attempt) {
	w.mu.Lock()
	defer w.mu.Unlock()
	a.due, a.watched, a.prev, a.next = a.started.Add(w.after), true, w.tail, nil
	if w.tail != nil {
		w.tail.next = a
	} else {
		w.head = a
	}
	w.tail = a
	if !w.armed {
		w.armLocked(w.after)
	}
}

// remove ends the watch of a whose handler has returned, and stops its
// monitor if one started (waiting for it to end).
func (w *watchList) remove(a *attempt) {
	w.mu.Lock()
	if a.watched {
		w.unlinkLocked(a)
		w.mu.Unlock()
		return
	}
	w.mu.Unlock()
	close(a.stop)
	<-a.done
}

func (w *watchList) unlinkLocked(a *attempt) {
	if a.prev != nil {
		a.prev.next = a.next
	} else {
		w.head = a.next
	}
	if a.next != nil {
		a.next.prev = a.prev
	} else {
		w.tail = a.prev
	}
	a.prev, a.next, a.watched = nil, nil, false
}

func (w *watchList) armLocked(d time.Duration) {
	w.armed = true
	if w.timer == nil {
		w.timer = time.AfterFunc(d, w.fire)
		return
	}
	w.timer.Reset(d)
}

// fire starts the monitors that are due, and waits for the next one.
func (w *watchList) fire() {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := time.Now()
	for w.head != nil && !w.head.due.After(now) {
		a := w.head
		w.unlinkLocked(a)
		a.stop, a.done = make(chan struct{}), make(chan struct{})
		go w.start(a.dv, a.stop)
	}
	w.armed = false
	if w.head != nil {
		w.armLocked(w.head.due.Sub(now))
	}
}

// runMonitor is the monitor of a long attempt; it ends when stop is closed
// or the handler's context ends.
func (e *Engine) runMonitor(dv *delivery, stop <-chan struct{}) {
	a := &dv.attempt
	defer close(a.done)
	intervals := [...]time.Duration{e.cfg.VisibilityHeartbeat, e.cfg.CancelPoll, e.cfg.ProgressInterval}
	var next [len(intervals)]time.Time
	for i, d := range intervals {
		next[i] = a.started.Add(d)
	}
	timer := time.NewTimer(time.Until(earliest(next[:])))
	defer timer.Stop()
	for {
		select {
		case <-stop:
			return
		case <-a.ctx.Done():
			return
		case <-timer.C:
		}
		now := time.Now()
		for i, d := range intervals {
			if now.Before(next[i]) {
				continue
			}
			for !next[i].After(now) {
				next[i] = next[i].Add(d)
			}
			if !e.monitorStep(dv, i) {
				return
			}
		}
		timer.Reset(time.Until(earliest(next[:])))
	}
}

// monitorStep does the monitor's work number i (heartbeat, cancel poll,
// progress flush); false ends the monitor: the attempt lost its job.
func (e *Engine) monitorStep(dv *delivery, i int) bool {
	ctx := &dv.attempt.ctx
	switch i {
	case 0:
		e.heartbeat(ctx, dv)
	case 1:
		if status, lost := e.leaseLost(ctx, dv); lost {
			ctx.stop(context.Canceled, &stoppedError{status: status})
			return false
		}
	case 2:
		dv.task.flush(false)
	}
	return true
}

func earliest(ts []time.Time) time.Time {
	first := ts[0]
	for _, t := range ts[1:] {
		if t.Before(first) {
			first = t
		}
	}
	return first
}

// stoppedError is the cause of a handler's cancellation when its job was
// canceled or reclaimed by another worker; status is what the engine saw
// ("" when a rejected write told it).
type stoppedError struct{ status jobs.Status }

func (e *stoppedError) Error() string { return "job canceled or reclaimed" }
