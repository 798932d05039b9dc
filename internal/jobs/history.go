package jobs

import (
	"time"
	"unicode/utf8"
)

// A job's History is bounded, so that a job item stays far from DynamoDB's
// 400 KB item limit whatever its maxAttempts and however often it is
// redriven:
//
//   - one redrive cycle (from creation or a redrive to the job's end)
//     appends at most EventsPerCycle events: a start and an end per
//     attempt, a cancel, and the redrive that opens the next cycle;
//   - a redrive first compacts the history to KeptBeforeRedrive events
//     (the newest KeptOperatorEvents redrives and cancels, then the newest
//     attempt events), so it never holds more than MaxHistoryEvents;
//   - a release (an attempt interrupted by a shutdown, which does not
//     count) compacts the same way before appending its event, so that
//     after it the cycle's remaining attempts still fit: releases, which
//     shutdowns may cause without limit, never outgrow the bound;
//   - an event's Detail is at most MaxEventDetail bytes and its By at most
//     MaxEventBy bytes.
//
// With about 100 bytes of fixed fields per event, a full history is about
// MaxHistoryEvents * (100 + MaxEventDetail + MaxEventBy) = 40 KB.
const (
	// MaxEventDetail bounds an event's Detail (an error or a reason).
	MaxEventDetail = 256
	// MaxEventBy bounds an event's By.
	MaxEventBy = 256
	// EventsPerCycle is the most events one redrive cycle appends.
	EventsPerCycle = 2*MaxMaxAttempts + 2
	// MaxHistoryEvents is the most events a job's History holds.
	MaxHistoryEvents = 80
	// KeptBeforeRedrive is how many events a redrive keeps.
	KeptBeforeRedrive = MaxHistoryEvents - EventsPerCycle
	// KeptOperatorEvents is how many of the newest redrives and cancels a
	// redrive keeps, before any attempt event.
	KeptOperatorEvents = 10
)

// Truncate cuts s to at most n bytes on a UTF-8 boundary, marking a cut
// with "…" (within the n bytes).
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const mark = "…"
	cut := n - len(mark)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + mark
}

// NewEvent returns an event with Detail and By cut to their bounds.
func NewEvent(at time.Time, typ EventType, detail, by string) Event {
	return Event{At: at, Type: typ, Detail: Truncate(detail, MaxEventDetail), By: Truncate(by, MaxEventBy)}
}

// AttemptEnded returns the event that closes attempt with outcome.
func AttemptEnded(at time.Time, attempt int, outcome AttemptOutcome, detail string) Event {
	e := NewEvent(at, EventAttemptEnded, detail, "")
	e.Attempt, e.Outcome = attempt, outcome
	return e
}

// OutcomeOf is the attempt outcome of a finishing status.
func OutcomeOf(s Status) AttemptOutcome {
	switch s {
	case StatusCompleted:
		return OutcomeCompleted
	case StatusPartial:
		return OutcomePartial
	case StatusCanceled:
		return OutcomeCanceled
	}
	return OutcomeFailed
}

// CompactHistory returns what a redrive keeps of h before appending its
// own event: at most KeptBeforeRedrive events, in order, preferring the
// operators' record (the newest KeptOperatorEvents redrives and cancels)
// and filling the rest with the newest attempt events.
func CompactHistory(h []Event) []Event {
	if len(h) <= KeptBeforeRedrive {
		return h
	}
	keep := make([]bool, len(h))
	operator := 0
	for i := len(h) - 1; i >= 0 && operator < KeptOperatorEvents; i-- {
		if h[i].Type == EventRedrive || h[i].Type == EventCancel {
			keep[i] = true
			operator++
		}
	}
	room := KeptBeforeRedrive - operator
	for i := len(h) - 1; i >= 0 && room > 0; i-- {
		if !keep[i] && h[i].Type != EventRedrive && h[i].Type != EventCancel {
			keep[i] = true
			room--
		}
	}
	out := make([]Event, 0, KeptBeforeRedrive)
	for i, e := range h {
		if keep[i] {
			out = append(out, e)
		}
	}
	return out
}

// AttemptRecord is one attempt as the job's timeline shows it.
type AttemptRecord struct {
	Attempt   int
	StartedAt time.Time
	EndedAt   time.Time // zero while running
	Outcome   AttemptOutcome
	Error     string
}

// Attempts derives the job's attempts, oldest first, from its History.
// Each start pairs with the end that follows it; a start followed by
// another start (or by a redrive) without an end is an attempt whose
// worker stopped: its lease expired. The newest attempt of a job that is
// still processing is running (or waiting for its retry, if it ended with
// OutcomeRetry); that of a canceled job ended canceled. Attempt numbers
// come from the end events, and count back from the job's current Attempt
// for the newest cycle, so compaction never renumbers them.
func Attempts(j Job) []AttemptRecord {
	var out []AttemptRecord
	open := -1 // index in out of the attempt not ended yet
	closeOpen := func(at time.Time, outcome AttemptOutcome) {
		if open >= 0 {
			out[open].EndedAt, out[open].Outcome = at, outcome
			open = -1
		}
	}
	for _, e := range j.History {
		switch e.Type {
		case EventAttemptStarted:
			closeOpen(e.At, OutcomeLeaseLost)
			out = append(out, AttemptRecord{StartedAt: e.At, Outcome: OutcomeRunning})
			open = len(out) - 1
		case EventAttemptEnded:
			if open < 0 {
				continue // its start was compacted away
			}
			out[open].Attempt, out[open].Error = e.Attempt, e.Detail
			closeOpen(e.At, e.Outcome)
		case EventRedrive:
			closeOpen(e.At, OutcomeLeaseLost)
		case EventCancel:
			closeOpen(e.At, OutcomeCanceled)
		}
	}
	if open >= 0 && j.Status.Final() {
		closeOpen(j.CompletedAt, OutcomeOf(j.Status))
	}
	numberAttempts(out, j.Attempt)
	return out
}

// numberAttempts fills the attempt numbers the end events did not give:
// counting back from the next known number (or from current for the
// newest), one per attempt.
func numberAttempts(out []AttemptRecord, current int) {
	next := current + 1
	for i := len(out) - 1; i >= 0; i-- {
		if out[i].Attempt == 0 {
			out[i].Attempt = max(next-1, 1)
		}
		next = out[i].Attempt
	}
}

// Redrives returns the job's redrive events, oldest first.
func Redrives(j Job) []Event { return eventsOf(j, EventRedrive) }

// Cancels returns the job's cancel events (at most one per redrive
// cycle), oldest first.
func Cancels(j Job) []Event { return eventsOf(j, EventCancel) }

// eventsOf returns the job's events of type typ, oldest first.
func eventsOf(j Job, typ EventType) []Event {
	var out []Event
	for _, e := range j.History {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}
