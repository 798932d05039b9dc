package dynamostore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"jobline/internal/awsapi/dynamo"
	"jobline/internal/jobs"
)

// Attribute names used in conditions and updates (jobItem's tags), in
// pairs that go together.
var (
	attrPK, attrOwner                   = expression.Name("PK"), expression.Name("Owner")
	attrStatus, attrVersion             = expression.Name("Status"), expression.Name("Version")
	attrUpdatedAt, attrCompletedAt      = expression.Name("UpdatedAt"), expression.Name("CompletedAt")
	attrAttempt, attrMaxAttempts        = expression.Name("Attempt"), expression.Name("MaxAttempts")
	attrLeaseToken, attrLeaseExpiresAt  = expression.Name("LeaseToken"), expression.Name("LeaseExpiresAt")
	attrNextAttemptAt, attrDeadLettered = expression.Name("NextAttemptAt"), expression.Name("DeadLettered")
	attrProgress, attrResult            = expression.Name("Progress"), expression.Name("Result")
	attrErrorMessage, attrHistory       = expression.Name("ErrorMessage"), expression.Name("History")
	attrGSI2PK, attrGSI2SK              = expression.Name("GSI2PK"), expression.Name("GSI2SK") // the sweep index
	attrTTL                             = expression.Name("ttl")
)

func statusIs(s jobs.Status) expression.ConditionBuilder {
	return attrStatus.Equal(expression.Value(string(s)))
}

// statusWhere is the condition "Status is one of the statuses for which
// rule holds", built from the rule so that the two cannot drift apart.
func statusWhere(rule func(jobs.Status) bool) expression.ConditionBuilder {
	var in []expression.OperandBuilder
	for _, s := range jobs.Statuses() {
		if rule(s) {
			in = append(in, expression.Value(string(s)))
		}
	}
	return attrStatus.In(in[0], in[1:]...)
}

// holdsLease is jobs.CheckLease as a condition: the fencing of the lease
// holder's writes. (A job without a lease has no LeaseToken attribute, so
// no token matches it, as CheckLease wants.)
func holdsLease(token string) expression.ConditionBuilder {
	return expression.And(statusIs(jobs.StatusProcessing), attrLeaseToken.Equal(expression.Value(token)))
}

// written starts every update: a new version and the write time.
func written(now time.Time) expression.UpdateBuilder {
	return expression.Set(attrVersion, attrVersion.Plus(expression.Value(1))).
		Set(attrUpdatedAt, expression.Value(formatTime(now)))
}

// sweepAt puts a non-final job in the sweep index at t (or moves it
// there): the writes that may move a job's sweep time earlier than its
// creation window would find it (a retry, a redrive, the reconciler's
// reschedule).
func (s *Store) sweepAt(u expression.UpdateBuilder, id string, t time.Time) expression.UpdateBuilder {
	return u.Set(attrGSI2PK, expression.Value(sweepShard(id, s.cfg.SweepShards))).
		Set(attrGSI2SK, expression.Value(formatTime(t)))
}

// final records the end of a job: no sweep time (out of the sweep index,
// which costs an index write only if it was in it), no lease, and deleted
// by TTL after the retention.
func (s *Store) final(u expression.UpdateBuilder, status jobs.Status, now time.Time) expression.UpdateBuilder {
	return u.Set(attrStatus, expression.Value(string(status))).
		Set(attrCompletedAt, expression.Value(formatTime(now))).
		Set(attrTTL, expression.Value(now.Add(s.cfg.Retention).Unix())).
		Remove(attrLeaseToken).Remove(attrLeaseExpiresAt).Remove(attrNextAttemptAt).
		Remove(attrGSI2PK).Remove(attrGSI2SK)
}

// update applies one conditional UpdateItem to a job and returns the job as
// written (ALL_NEW), or the rejection classified from the item as it was
// (ALL_OLD).
func (s *Store) update(ctx context.Context, op, id string, cond expression.ConditionBuilder, upd expression.UpdateBuilder, reject func(jobs.Job) error) (jobs.Job, error) {
	expr, err := expression.NewBuilder().
		WithCondition(expression.And(attrPK.AttributeExists(), cond)).
		WithUpdate(upd).Build()
	if err != nil {
		return jobs.Job{}, fmt.Errorf("%s job %s: build expression: %w", op, id, err)
	}
	out, err := s.db.UpdateItem(ctx, &dynamo.UpdateItemInput{
		TableName:                           &s.cfg.TableName,
		Key:                                 jobKey(id),
		ConditionExpression:                 expr.Condition(),
		UpdateExpression:                    expr.Update(),
		ExpressionAttributeNames:            expr.Names(),
		ExpressionAttributeValues:           expr.Values(),
		ReturnValues:                        types.ReturnValueAllNew,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if err != nil {
		return jobs.Job{}, translate(op, id, err, reject)
	}
	j, err := decodeJob(out.Attributes)
	if err != nil {
		return jobs.Job{}, fmt.Errorf("%s job %s: %w", op, id, err)
	}
	return j, nil
}

// errConditionDrift is the rejection of a write whose condition refused a
// job that its rule in package jobs accepts: the expression and the rule
// have drifted apart (storetest's RulesConformance fails on it). The write
// was refused all the same, since the condition is what DynamoDB applied.
var errConditionDrift = fmt.Errorf("%w: the write's condition refused a job that its rule accepts", jobs.ErrInvalidTransition)

// refusedBy is the rejection of a write, given the error of its rule
// (CheckLease, CheckCancel, CheckRedrive) on the job as stored.
func refusedBy(ruleErr error) error {
	if ruleErr == nil {
		return errConditionDrift
	}
	return ruleErr
}

// refusedUnless is refusedBy for a yes/no rule (Claimable, CanFailExpired,
// CanRescheduleSweep).
func refusedUnless(allowed bool) error {
	if allowed {
		return errConditionDrift
	}
	return jobs.ErrInvalidTransition
}

// rejectFenced explains why a lease holder's write was refused, by
// jobs.CheckLease: a job that is not processing rejects it as an invalid
// transition, a processing job held by someone else as a lost lease.
func rejectFenced(token string) func(jobs.Job) error {
	return func(j jobs.Job) error { return refusedBy(jobs.CheckLease(j, token)) }
}

// Claim: queued -> processing, or a reclaim of a processing job whose lease
// expired with attempts left. Attempt + 1, Progress 0, new lease; the job
// is due for a sweep when the lease expires. Only the sweep time moves,
// not the index membership: a job that is not in the sweep index stays out
// of it (no index write; its creation window still comes), one that is
// moves with it.
func (s *Store) Claim(ctx context.Context, id string, c jobs.Claim) (jobs.Job, error) {
	now := expression.Value(formatTime(c.Now))
	// jobs.Claimable as a condition.
	cond := expression.Or(
		statusIs(jobs.StatusQueued),
		expression.And(
			statusIs(jobs.StatusProcessing),
			attrLeaseExpiresAt.LessThanEqual(now),
			attrAttempt.LessThan(attrMaxAttempts),
		),
	)
	upd := written(c.Now).
		Set(attrStatus, expression.Value(string(jobs.StatusProcessing))).
		Set(attrAttempt, attrAttempt.Plus(expression.Value(1))).
		Set(attrProgress, expression.Value(0)).
		Set(attrLeaseToken, expression.Value(c.LeaseToken)).
		Set(attrLeaseExpiresAt, expression.Value(formatTime(c.LeaseExpiresAt))).
		Remove(attrNextAttemptAt)
	upd = appendHistory(upd, jobs.NewEvent(c.Now, jobs.EventAttemptStarted, "", "")).
		Set(attrGSI2SK, expression.Value(formatTime(c.LeaseExpiresAt)))
	return s.update(ctx, "claim", id, cond, upd, func(j jobs.Job) error {
		return refusedUnless(jobs.Claimable(j, c.Now))
	})
}

// Progress records the lease holder's progress.
func (s *Store) Progress(ctx context.Context, id, leaseToken string, progress int, now time.Time) (jobs.Job, error) {
	if err := jobs.CheckProgress(progress); err != nil {
		return jobs.Job{}, fmt.Errorf("progress job %s: %w", id, err)
	}
	upd := written(now).Set(attrProgress, expression.Value(progress))
	return s.update(ctx, "progress", id, holdsLease(leaseToken), upd, rejectFenced(leaseToken))
}

// Finish ends the lease holder's attempt with a final status.
func (s *Store) Finish(ctx context.Context, id, leaseToken string, o jobs.Outcome) (jobs.Job, error) {
	if !o.Status.Finishing() {
		return jobs.Job{}, fmt.Errorf("finish job %s: %q is not a finishing status", id, o.Status)
	}
	upd := s.final(written(o.Now), o.Status, o.Now).
		Set(attrDeadLettered, expression.Value(o.DeadLettered))
	if o.Status == jobs.StatusCompleted {
		upd = upd.Set(attrProgress, expression.Value(100))
	}
	if len(o.Result) > 0 {
		upd = upd.Set(attrResult, expression.Value(string(o.Result)))
	} else {
		upd = upd.Remove(attrResult)
	}
	if o.ErrorMessage != "" {
		upd = upd.Set(attrErrorMessage, expression.Value(o.ErrorMessage))
	} else {
		upd = upd.Remove(attrErrorMessage)
	}
	upd = appendHistory(upd, jobs.AttemptEnded(o.Now, o.Attempt, jobs.OutcomeOf(o.Status), o.ErrorMessage))
	return s.update(ctx, "finish", id, holdsLease(leaseToken), upd, rejectFenced(leaseToken))
}

// FinishUnclaimed records a quick run's success: queued -> completed in
// one write, if the job is still at the version the run read.
func (s *Store) FinishUnclaimed(ctx context.Context, id string, u jobs.UnclaimedRun) (jobs.Job, error) {
	// jobs.CheckFinishUnclaimed as a condition.
	cond := expression.And(statusIs(jobs.StatusQueued), attrVersion.Equal(expression.Value(u.Version)))
	upd := s.final(written(u.Now), jobs.StatusCompleted, u.Now).
		Set(attrAttempt, attrAttempt.Plus(expression.Value(1))).
		Set(attrDeadLettered, expression.Value(false)).
		Set(attrProgress, expression.Value(100)).
		Remove(attrErrorMessage)
	if len(u.Result) > 0 {
		upd = upd.Set(attrResult, expression.Value(string(u.Result)))
	} else {
		upd = upd.Remove(attrResult)
	}
	upd = appendHistory(upd, jobs.NewEvent(u.Started, jobs.EventAttemptStarted, "", ""),
		jobs.AttemptEnded(u.Now, u.Attempt, jobs.OutcomeCompleted, ""))
	return s.update(ctx, "finish unclaimed", id, cond, upd, func(j jobs.Job) error {
		return refusedBy(jobs.CheckFinishUnclaimed(j, u.Version))
	})
}

// Retry releases the lease and parks the job in processing until
// NextAttemptAt, when a delivery may claim it again (LeaseExpiresAt is the
// next attempt time) and the reconciler looks at it if none did.
func (s *Store) Retry(ctx context.Context, id, leaseToken string, r jobs.RetryWait) (jobs.Job, error) {
	next := formatTime(r.NextAttemptAt)
	upd := written(r.Now).
		Set(attrErrorMessage, expression.Value(r.ErrorMessage)).
		Set(attrNextAttemptAt, expression.Value(next)).
		Set(attrLeaseExpiresAt, expression.Value(next)).
		Remove(attrLeaseToken)
	upd = appendHistory(upd, jobs.AttemptEnded(r.Now, r.Attempt, r.HistoryOutcome(), r.ErrorMessage))
	upd = s.sweepAt(upd, id, r.NextAttemptAt)
	return s.update(ctx, "retry", id, holdsLease(leaseToken), upd, rejectFenced(leaseToken))
}

// Cancel moves a queued or processing job to canceled; the lease goes, so
// the running worker's next fenced write fails.
func (s *Store) Cancel(ctx context.Context, id string, c jobs.CancelRequest) (jobs.Job, error) {
	// jobs.CheckCancel as a condition.
	cond := statusWhere(func(s jobs.Status) bool { return jobs.CanTransition(s, jobs.StatusCanceled) })
	if !c.AnyOwner {
		cond = expression.And(attrOwner.Equal(expression.Value(c.Owner)), cond)
	}
	upd := appendHistory(s.final(written(c.Now), jobs.StatusCanceled, c.Now), jobs.NewEvent(c.Now, jobs.EventCancel, c.Reason, c.Actor()))
	return s.update(ctx, "cancel", id, cond, upd, func(j jobs.Job) error {
		return refusedBy(jobs.CheckCancel(j, c))
	})
}

// FailExpired fails a processing job whose last attempt's lease expired.
func (s *Store) FailExpired(ctx context.Context, id string, attempt int, message string, now time.Time) (jobs.Job, error) {
	// jobs.CanFailExpired as a condition.
	cond := expression.And(
		statusIs(jobs.StatusProcessing),
		attrAttempt.Equal(expression.Value(attempt)),
		attrAttempt.GreaterThanEqual(attrMaxAttempts),
		attrLeaseExpiresAt.LessThanEqual(expression.Value(formatTime(now))),
	)
	upd := s.final(written(now), jobs.StatusFailed, now).
		Set(attrDeadLettered, expression.Value(true)).
		Set(attrErrorMessage, expression.Value(message))
	upd = appendHistory(upd, jobs.AttemptEnded(now, attempt, jobs.OutcomeLeaseLost, message))
	return s.update(ctx, "fail expired", id, cond, upd, func(j jobs.Job) error {
		return refusedUnless(jobs.CanFailExpired(j, attempt, now))
	})
}

// errHistoryFull is the rejection of a plain append to the history: the
// rule allows the write, but the history must be compacted first.
var errHistoryFull = errors.New("history too long to append to")

// Redrive is the operator's failed -> queued of a dead-lettered job, its
// event appended to the history compacted if need be (appendCompacting).
func (s *Store) Redrive(ctx context.Context, id string, r jobs.RedriveRequest) (jobs.Job, error) {
	event := jobs.NewEvent(r.Now, jobs.EventRedrive, r.Reason, r.By)
	// jobs.CheckRedrive as a condition.
	redrivable := expression.And(statusIs(jobs.StatusFailed), attrDeadLettered.Equal(expression.Value(true)))
	return s.appendCompacting(ctx, "redrive", id, redrivable, func() expression.UpdateBuilder { return s.redriven(id, r.Now) }, event, jobs.CheckRedrive)
}

// Release gives back the lease holder's interrupted attempt without
// counting it: Attempt - 1, the lease ends now, and the attempt's end is
// appended to the history, compacted if need be (appendCompacting).
func (s *Store) Release(ctx context.Context, id, leaseToken string, r jobs.Release) (jobs.Job, error) {
	event := jobs.AttemptEnded(r.Now, r.Attempt, jobs.OutcomeInterrupted, r.Reason)
	released := func() expression.UpdateBuilder {
		now := formatTime(r.Now)
		upd := written(r.Now).
			Set(attrAttempt, attrAttempt.Minus(expression.Value(1))).
			Set(attrErrorMessage, expression.Value(r.Reason)).
			Set(attrNextAttemptAt, expression.Value(now)).
			Set(attrLeaseExpiresAt, expression.Value(now)).
			Remove(attrLeaseToken)
		return s.sweepAt(upd, id, r.Now)
	}
	return s.appendCompacting(ctx, "release", id, holdsLease(leaseToken), released, event,
		func(j jobs.Job) error { return jobs.CheckLease(j, leaseToken) })
}

// appendCompacting applies the update that upd builds, with event added to
// the history, where cond (the condition of rule) holds. The event is
// appended in one write while the history is short enough to keep
// (jobs.KeptBeforeRedrive); otherwise the job as it was (ALL_OLD of that
// refused write) is compacted (jobs.CompactHistory) and written back with
// the event, on the condition that it is still at that version.
func (s *Store) appendCompacting(ctx context.Context, op, id string, cond expression.ConditionBuilder,
	upd func() expression.UpdateBuilder, event jobs.Event, rule func(jobs.Job) error) (jobs.Job, error) {
	short := expression.Or(attrHistory.AttributeNotExists(), expression.Size(attrHistory).LessThanEqual(expression.Value(jobs.KeptBeforeRedrive)))
	job, err := s.update(ctx, op, id, expression.And(cond, short), appendHistory(upd(), event), func(j jobs.Job) error {
		if err := rule(j); err != nil {
			return err
		}
		return errHistoryFull
	})
	if !errors.Is(err, errHistoryFull) {
		return job, err
	}
	cur, _ := jobs.CurrentJob(err)
	history := make([]eventItem, 0, jobs.MaxHistoryEvents)
	for _, e := range append(jobs.CompactHistory(cur.History), event) {
		history = append(history, toEventItem(e))
	}
	compacted := upd().Set(attrHistory, expression.Value(history))
	return s.update(ctx, op, id, expression.And(cond, attrVersion.Equal(expression.Value(cur.Version))), compacted, func(j jobs.Job) error {
		if err := rule(j); err != nil {
			return err
		}
		return jobs.ErrInvalidTransition // changed since it was read: the caller may try again
	})
}

// redriven is the update of a redrive, but for its history event.
func (s *Store) redriven(id string, now time.Time) expression.UpdateBuilder {
	upd := written(now).
		Set(attrStatus, expression.Value(string(jobs.StatusQueued))).
		Set(attrAttempt, expression.Value(0)).
		Set(attrProgress, expression.Value(0)).
		Set(attrDeadLettered, expression.Value(false)).
		Remove(attrCompletedAt).Remove(attrTTL)
	return s.sweepAt(upd, id, now)
}

// appendHistory adds events to the job's history list.
func appendHistory(upd expression.UpdateBuilder, events ...jobs.Event) expression.UpdateBuilder {
	items := make([]eventItem, len(events))
	for i, e := range events {
		items[i] = toEventItem(e)
	}
	return upd.Set(attrHistory, expression.ListAppend(expression.IfNotExists(attrHistory, expression.Value([]eventItem{})), expression.Value(items)))
}

// RescheduleSweep moves the sweep time of a job the reconciler has acted
// on, if the job is unchanged since the reconciler read it and not final.
func (s *Store) RescheduleSweep(ctx context.Context, id string, version int64, sweepAt, now time.Time) (jobs.Job, error) {
	// jobs.CanRescheduleSweep as a condition.
	cond := expression.And(
		attrVersion.Equal(expression.Value(version)),
		statusWhere(func(s jobs.Status) bool { return !s.Final() }),
	)
	upd := s.sweepAt(written(now), id, sweepAt)
	return s.update(ctx, "reschedule sweep", id, cond, upd, func(j jobs.Job) error {
		return refusedUnless(jobs.CanRescheduleSweep(j, version))
	})
}
