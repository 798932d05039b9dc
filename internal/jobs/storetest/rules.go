package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"jobline/internal/jobs"
)

// This file checks that a store applies the rules of package jobs
// (rules.go) and nothing else: every operation on a job in every status and
// lease state is accepted exactly when its rule accepts, and rejected with
// the rule's error. A store that encodes a rule a second time (DynamoDB's
// ConditionExpressions) fails here as soon as the two drift apart.

// ruleState is a situation of a job that the rules tell apart, reached
// through the store's own transitions. build returns the job, in status,
// as the store last wrote it and the token of its last lease ("" if it
// never had one).
type ruleState struct {
	name   string
	status jobs.Status
	build  func(t *testing.T, b *bundle) (jobs.Job, string)
}

// ruleProbe is one operation with fixed arguments. rule is package jobs'
// verdict on the job (nil: allowed), run calls the store; both get the job
// as stored and the token of its last lease.
type ruleProbe struct {
	name string
	rule func(j jobs.Job, token string) error
	run  func(b *bundle, j jobs.Job, token string) (jobs.Job, error)
}

// Moments of the probes that depend on time: leases of the states run
// from baseTime for a minute (a reclaim's until baseTime + 2m).
var ruleMoments = []struct {
	name string
	now  time.Time
}{
	{"while leased", baseTime.Add(30 * time.Second)},
	{"as the lease expires", baseTime.Add(time.Minute)},
	{"after the lease", baseTime.Add(10 * time.Minute)},
}

func testRulesConformance(t *testing.T, b *bundle) {
	states, probes := ruleStates(), ruleProbes()
	covered := map[jobs.Status]bool{}
	for _, st := range states {
		covered[st.status] = true
	}
	for _, s := range jobs.Statuses() {
		if !covered[s] {
			t.Errorf("no rule state has status %s", s)
		}
	}
	for _, st := range states {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			shared, token := st.build(t, b)
			if shared.Status != st.status {
				t.Fatalf("built a %s job, want %s", shared.Status, st.status)
			}
			for _, p := range probes {
				// A rejected operation leaves the job as it was, so the
				// rejections share one job; an accepted one gets its own.
				j, tok := shared, token
				if p.rule(shared, token) == nil {
					j, tok = st.build(t, b)
				}
				checkProbe(t, b, p, j, tok)
			}
		})
	}
}

// checkProbe runs p on j and compares the store's answer with the rule's.
func checkProbe(t *testing.T, b *bundle, p ruleProbe, j jobs.Job, token string) {
	t.Helper()
	want := p.rule(j, token)
	_, err := p.run(b, j, token)
	if want == nil {
		if err != nil {
			t.Errorf("%s on %s job: store rejected (%v), rule allows", p.name, j.Status, err)
		}
		return
	}
	for _, sentinel := range []error{jobs.ErrInvalidTransition, jobs.ErrLeaseLost, jobs.ErrNotFound, jobs.ErrNotRedrivable} {
		if errors.Is(err, sentinel) != errors.Is(want, sentinel) {
			t.Errorf("%s on %s job: store says %v, rule says %v", p.name, j.Status, err, want)
			return
		}
	}
	if errors.Is(want, jobs.ErrNotFound) {
		return
	}
	current, ok := jobs.CurrentJob(err)
	if !ok || current.Version != j.Version || current.Status != j.Status {
		t.Errorf("%s on %s job: rejection carries %+v (ok %v), want the job at version %d", p.name, j.Status, current, ok, j.Version)
	}
}

// allowedIf is the error of a yes/no rule.
func allowedIf(ok bool) error {
	if ok {
		return nil
	}
	return jobs.ErrInvalidTransition
}

// ruleProbes lists every operation whose acceptance a rule decides, with
// the arguments that the rule tells apart.
func ruleProbes() []ruleProbe {
	var ps []ruleProbe
	for _, m := range ruleMoments {
		now := m.now
		ps = append(ps, ruleProbe{"Claim " + m.name,
			func(j jobs.Job, _ string) error { return allowedIf(jobs.Claimable(j, now)) },
			func(b *bundle, j jobs.Job, _ string) (jobs.Job, error) {
				return b.store.Claim(b.ctx, j.ID, jobs.Claim{LeaseToken: randomID("lease-"), Now: now, LeaseExpiresAt: now.Add(time.Minute)})
			}})
		for _, skew := range []int{0, 1} {
			ps = append(ps, ruleProbe{fmt.Sprintf("FailExpired %s, attempt + %d", m.name, skew),
				func(j jobs.Job, _ string) error { return allowedIf(jobs.CanFailExpired(j, j.Attempt+skew, now)) },
				func(b *bundle, j jobs.Job, _ string) (jobs.Job, error) {
					return b.store.FailExpired(b.ctx, j.ID, j.Attempt+skew, "worker lost", now)
				}})
		}
	}
	ps = append(ps, fencedProbes()...)
	for _, v := range []int64{0, 1} {
		ps = append(ps, ruleProbe{fmt.Sprintf("RescheduleSweep at version + %d", v),
			func(j jobs.Job, _ string) error { return allowedIf(jobs.CanRescheduleSweep(j, j.Version+v)) },
			func(b *bundle, j jobs.Job, _ string) (jobs.Job, error) {
				return b.store.RescheduleSweep(b.ctx, j.ID, j.Version+v, baseTime.Add(time.Hour), baseTime)
			}})
	}
	for _, v := range []int64{0, -1} {
		ps = append(ps, ruleProbe{fmt.Sprintf("FinishUnclaimed at version %+d", v),
			func(j jobs.Job, _ string) error { return jobs.CheckFinishUnclaimed(j, j.Version+v) },
			func(b *bundle, j jobs.Job, _ string) (jobs.Job, error) {
				return b.store.FinishUnclaimed(b.ctx, j.ID, jobs.UnclaimedRun{Version: j.Version + v, Attempt: j.Attempt + 1,
					Started: baseTime, Now: baseTime.Add(time.Second), Result: []byte(`{"ok":true}`)})
			}})
	}
	for _, owner := range []string{"", "owner-else"} { // "": the job's owner
		ps = append(ps, ruleProbe{fmt.Sprintf("Cancel by %q", owner),
			func(j jobs.Job, _ string) error {
				return jobs.CheckCancel(j, jobs.CancelRequest{Owner: ownerOr(j, owner)})
			},
			func(b *bundle, j jobs.Job, _ string) (jobs.Job, error) {
				return b.store.Cancel(b.ctx, j.ID, jobs.CancelRequest{Owner: ownerOr(j, owner), Now: baseTime})
			}})
	}
	return append(ps, ruleProbe{"Redrive",
		func(j jobs.Job, _ string) error { return jobs.CheckRedrive(j) },
		func(b *bundle, j jobs.Job, _ string) (jobs.Job, error) {
			return b.store.Redrive(b.ctx, j.ID, jobs.RedriveRequest{Reason: "rules conformance", By: "storetest", Now: baseTime.Add(time.Hour)})
		}})
}

func ownerOr(j jobs.Job, owner string) string {
	if owner == "" {
		return j.Owner
	}
	return owner
}

// fencedProbes are the lease holder's writes, by the job's last lease
// holder, by another lease and with no token.
func fencedProbes() []ruleProbe {
	callers := []struct {
		name  string
		token func(last string) string
	}{
		{"the last lease holder", func(last string) string { return last }},
		{"another lease", func(string) string { return "lease-another" }},
		{"no lease token", func(string) string { return "" }},
	}
	now := baseTime.Add(time.Second)
	var ps []ruleProbe
	for _, c := range callers {
		rule := func(j jobs.Job, last string) error { return jobs.CheckLease(j, c.token(last)) }
		ps = append(ps,
			ruleProbe{"Progress by " + c.name, rule, func(b *bundle, j jobs.Job, last string) (jobs.Job, error) {
				return b.store.Progress(b.ctx, j.ID, c.token(last), 10, now)
			}},
			ruleProbe{"Finish by " + c.name, rule, func(b *bundle, j jobs.Job, last string) (jobs.Job, error) {
				return b.store.Finish(b.ctx, j.ID, c.token(last), jobs.Outcome{Status: jobs.StatusCompleted, Now: now})
			}},
			ruleProbe{"Retry by " + c.name, rule, func(b *bundle, j jobs.Job, last string) (jobs.Job, error) {
				return b.store.Retry(b.ctx, j.ID, c.token(last), jobs.RetryWait{ErrorMessage: "again", NextAttemptAt: now.Add(time.Minute), Now: now})
			}},
			ruleProbe{"Release by " + c.name, rule, func(b *bundle, j jobs.Job, last string) (jobs.Job, error) {
				return b.store.Release(b.ctx, j.ID, c.token(last), jobs.Release{Reason: "shutdown", Now: now, Attempt: j.Attempt})
			}},
			ruleProbe{"AddAsset by " + c.name, rule, func(b *bundle, j jobs.Job, last string) (jobs.Job, error) {
				_, err := b.store.AddAsset(b.ctx, c.token(last), jobs.Asset{ID: randomID("asset-"), JobID: j.ID, AssetType: "report", CreatedAt: now})
				return jobs.Job{}, err
			}},
		)
	}
	return ps
}

// ruleStates are jobs in every status, with the lease situations that the
// rules tell apart.
func ruleStates() []ruleState {
	return []ruleState{
		{"queued", jobs.StatusQueued, func(t *testing.T, b *bundle) (jobs.Job, string) {
			return b.create(t, b.newJob(randomID("owner-"))), ""
		}},
		{"processing", jobs.StatusProcessing, func(t *testing.T, b *bundle) (jobs.Job, string) { return b.claimedJob(t, 3) }},
		{"processing, last attempt", jobs.StatusProcessing, func(t *testing.T, b *bundle) (jobs.Job, string) { return b.claimedJob(t, 1) }},
		{"reclaimed, last attempt", jobs.StatusProcessing, func(t *testing.T, b *bundle) (jobs.Job, string) {
			j, _ := b.claimedJob(t, 2)
			return b.claim(t, j.ID, j.LeaseExpiresAt)
		}},
		{"retry wait", jobs.StatusProcessing, func(t *testing.T, b *bundle) (jobs.Job, string) { return b.retryingJob(t, 3) }},
		{"retry wait, last attempt", jobs.StatusProcessing, func(t *testing.T, b *bundle) (jobs.Job, string) { return b.retryingJob(t, 1) }},
		{"completed", jobs.StatusCompleted, func(t *testing.T, b *bundle) (jobs.Job, string) { return b.finishedJob(t, jobs.StatusCompleted, false) }},
		{"partial", jobs.StatusPartial, func(t *testing.T, b *bundle) (jobs.Job, string) { return b.finishedJob(t, jobs.StatusPartial, false) }},
		{"failed, dead-lettered", jobs.StatusFailed, func(t *testing.T, b *bundle) (jobs.Job, string) { return b.finishedJob(t, jobs.StatusFailed, true) }},
		{"failed permanently", jobs.StatusFailed, func(t *testing.T, b *bundle) (jobs.Job, string) { return b.finishedJob(t, jobs.StatusFailed, false) }},
		{"failed when the lease expired", jobs.StatusFailed, func(t *testing.T, b *bundle) (jobs.Job, string) {
			j, token := b.claimedJob(t, 1)
			return must(t)(b.store.FailExpired(b.ctx, j.ID, j.Attempt, "worker lost", j.LeaseExpiresAt)), token
		}},
		{"canceled while queued", jobs.StatusCanceled, func(t *testing.T, b *bundle) (jobs.Job, string) {
			j := b.create(t, b.newJob(randomID("owner-")))
			return must(t)(b.store.Cancel(b.ctx, j.ID, jobs.CancelRequest{Owner: j.Owner, Now: baseTime})), ""
		}},
		{"canceled while processing", jobs.StatusCanceled, func(t *testing.T, b *bundle) (jobs.Job, string) {
			j, token := b.claimedJob(t, 3)
			return must(t)(b.store.Cancel(b.ctx, j.ID, jobs.CancelRequest{Owner: j.Owner, Now: baseTime})), token
		}},
		{"redriven", jobs.StatusQueued, func(t *testing.T, b *bundle) (jobs.Job, string) {
			j, token := b.finishedJob(t, jobs.StatusFailed, true)
			return must(t)(b.store.Redrive(b.ctx, j.ID, jobs.RedriveRequest{Reason: "rules conformance", By: "storetest", Now: baseTime.Add(2 * time.Second)})), token
		}},
	}
}

// must returns a function that fails the test on a transition's error and
// otherwise returns its job: must(t)(b.store.Cancel(...)).
func must(t *testing.T) func(jobs.Job, error) jobs.Job {
	return func(j jobs.Job, err error) jobs.Job {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return j
	}
}

// claimedJob creates a job with maxAttempts and claims it at baseTime.
func (b *bundle) claimedJob(t *testing.T, maxAttempts int) (jobs.Job, string) {
	t.Helper()
	j := b.newJob(randomID("owner-"))
	j.MaxAttempts = maxAttempts
	return b.claim(t, b.create(t, j).ID, baseTime)
}

// retryingJob is a claimed job that gave its lease back to wait for its
// next attempt, when its first lease would have ended.
func (b *bundle) retryingJob(t *testing.T, maxAttempts int) (jobs.Job, string) {
	t.Helper()
	j, token := b.claimedJob(t, maxAttempts)
	wait := jobs.RetryWait{ErrorMessage: "temporary", NextAttemptAt: j.LeaseExpiresAt, Now: baseTime.Add(time.Second)}
	return must(t)(b.store.Retry(b.ctx, j.ID, token, wait)), token
}

// finishedJob is a claimed job that its lease holder finished.
func (b *bundle) finishedJob(t *testing.T, status jobs.Status, deadLettered bool) (jobs.Job, string) {
	t.Helper()
	j, token := b.claimedJob(t, 3)
	o := jobs.Outcome{Status: status, ErrorMessage: "boom", DeadLettered: deadLettered, Now: baseTime.Add(time.Second)}
	return must(t)(b.store.Finish(b.ctx, j.ID, token, o)), token
}
