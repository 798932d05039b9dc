package jobs_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"jobline/internal/jobs"
)

// ruleNow is the "now" of the rule tests.
var ruleNow = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// leaseCase is a processing job's lease and attempts, as the rules about
// expired leases tell them apart.
type leaseCase struct {
	name                     string
	expiresAt                time.Time
	attempt, maxAttempts     int
	claimable, diedOnLastTry bool // the verdicts when the job is processing
}

// leaseCases covers a live, an exactly expiring and an expired lease, with
// attempts left, used up, and (after a lowered MaxAttempts) overused.
var leaseCases = []leaseCase{
	{"live, attempts left", ruleNow.Add(time.Second), 1, 3, false, false},
	{"live, last attempt", ruleNow.Add(time.Second), 3, 3, false, false},
	{"expires now, attempts left", ruleNow, 1, 3, true, false},
	{"expires now, last attempt", ruleNow, 3, 3, false, true},
	{"expired, attempts left", ruleNow.Add(-time.Second), 2, 3, true, false},
	{"expired, last attempt", ruleNow.Add(-time.Second), 3, 3, false, true},
	{"expired, past the last attempt", ruleNow.Add(-time.Second), 4, 3, false, true},
	{"never leased", time.Time{}, 0, 3, true, false},
}

func (lc leaseCase) job(s jobs.Status) jobs.Job {
	return jobs.Job{ID: "j", Owner: "o", Status: s, LeaseToken: "lease", LeaseExpiresAt: lc.expiresAt, Attempt: lc.attempt, MaxAttempts: lc.maxAttempts}
}

func TestClaimableAndDiedOnLastAttempt(t *testing.T) {
	t.Parallel()
	for _, s := range jobs.Statuses() {
		for _, lc := range leaseCases {
			j := lc.job(s)
			wantClaim := s == jobs.StatusQueued || (s == jobs.StatusProcessing && lc.claimable)
			wantDied := s == jobs.StatusProcessing && lc.diedOnLastTry
			if got := jobs.Claimable(j, ruleNow); got != wantClaim {
				t.Errorf("Claimable(%s, %s) = %v, want %v", s, lc.name, got, wantClaim)
			}
			if got := jobs.DiedOnLastAttempt(j, ruleNow); got != wantDied {
				t.Errorf("DiedOnLastAttempt(%s, %s) = %v, want %v", s, lc.name, got, wantDied)
			}
			// FailExpired also needs the caller's attempt to be the job's.
			if got := jobs.CanFailExpired(j, lc.attempt, ruleNow); got != wantDied {
				t.Errorf("CanFailExpired(%s, %s, same attempt) = %v, want %v", s, lc.name, got, wantDied)
			}
			for _, stale := range []int{lc.attempt - 1, lc.attempt + 1} {
				if jobs.CanFailExpired(j, stale, ruleNow) {
					t.Errorf("CanFailExpired(%s, %s, attempt %d of %d) = true, want false", s, lc.name, stale, lc.attempt)
				}
			}
		}
	}
}

func TestCheckLease(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name        string
		held, token string // the job's lease token and the caller's
		processing  error  // the verdict on a processing job
	}{
		{"holder", "lease", "lease", nil},
		{"another lease", "lease", "other", jobs.ErrLeaseLost},
		{"no token", "lease", "", jobs.ErrLeaseLost},
		{"retry wait, no lease", "", "lease", jobs.ErrLeaseLost},
		{"retry wait, no token", "", "", jobs.ErrLeaseLost},
	}
	for _, s := range jobs.Statuses() {
		for _, c := range cases {
			want := jobs.ErrInvalidTransition
			if s == jobs.StatusProcessing {
				want = c.processing
			}
			got := jobs.CheckLease(jobs.Job{Status: s, LeaseToken: c.held}, c.token)
			if !sameError(got, want) {
				t.Errorf("CheckLease(%s, %s) = %v, want %v", s, c.name, got, want)
			}
		}
	}
}

func TestCheckCancel(t *testing.T) {
	t.Parallel()
	cancelable := map[jobs.Status]bool{jobs.StatusQueued: true, jobs.StatusProcessing: true}
	for _, s := range jobs.Statuses() {
		j := jobs.Job{Owner: "alice", Status: s}
		want := jobs.ErrInvalidTransition
		if cancelable[s] {
			want = nil
		}
		if got := jobs.CheckCancel(j, jobs.CancelRequest{Owner: "alice"}); !sameError(got, want) {
			t.Errorf("CheckCancel(%s, owner) = %v, want %v", s, got, want)
		}
		// Another owner never learns that the job exists, whatever its status.
		if got := jobs.CheckCancel(j, jobs.CancelRequest{Owner: "bob"}); !errors.Is(got, jobs.ErrNotFound) {
			t.Errorf("CheckCancel(%s, another owner) = %v, want ErrNotFound", s, got)
		}
	}
}

func TestCheckRedrive(t *testing.T) {
	t.Parallel()
	for _, s := range jobs.Statuses() {
		for _, deadLettered := range []bool{false, true} {
			err := jobs.CheckRedrive(jobs.Job{Status: s, DeadLettered: deadLettered})
			if s == jobs.StatusFailed && deadLettered {
				if err != nil {
					t.Errorf("CheckRedrive(failed, dead-lettered) = %v, want nil", err)
				}
				continue
			}
			if !errors.Is(err, jobs.ErrInvalidTransition) || !errors.Is(err, jobs.ErrNotRedrivable) {
				t.Errorf("CheckRedrive(%s, dead-lettered %v) = %v, want ErrInvalidTransition and ErrNotRedrivable", s, deadLettered, err)
			}
		}
	}
	// The operator reads why: a permanent failure is told from a job that
	// is not failed at all.
	if err := jobs.CheckRedrive(jobs.Job{Status: jobs.StatusFailed}); err == nil || !strings.Contains(err.Error(), "without being dead-lettered") {
		t.Errorf("permanent failure: %v", err)
	}
	if err := jobs.CheckRedrive(jobs.Job{Status: jobs.StatusQueued}); err == nil || !strings.Contains(err.Error(), "job is queued already") {
		t.Errorf("queued job: %v", err)
	}
}

func TestCanRescheduleSweep(t *testing.T) {
	t.Parallel()
	active := map[jobs.Status]bool{jobs.StatusQueued: true, jobs.StatusProcessing: true}
	for _, s := range jobs.Statuses() {
		j := jobs.Job{Status: s, Version: 7}
		if got := jobs.CanRescheduleSweep(j, 7); got != active[s] {
			t.Errorf("CanRescheduleSweep(%s, same version) = %v, want %v", s, got, active[s])
		}
		for _, v := range []int64{6, 8} {
			if jobs.CanRescheduleSweep(j, v) {
				t.Errorf("CanRescheduleSweep(%s, version %d of 7) = true, want false", s, v)
			}
		}
	}
}

func TestFinishing(t *testing.T) {
	t.Parallel()
	want := map[jobs.Status]bool{jobs.StatusCompleted: true, jobs.StatusPartial: true, jobs.StatusFailed: true}
	for _, s := range append(jobs.Statuses(), "", "done") {
		if got := s.Finishing(); got != want[s] {
			t.Errorf("%q.Finishing() = %v, want %v", s, got, want[s])
		}
		// Every finishing status is a move the lifecycle allows a lease holder.
		if s.Finishing() && !jobs.CanTransition(jobs.StatusProcessing, s) {
			t.Errorf("%s is finishing but processing -> %s is not a transition", s, s)
		}
	}
}

func TestCheckProgress(t *testing.T) {
	t.Parallel()
	for p, ok := range map[int]bool{-1: false, 0: true, 1: true, 50: true, 99: true, 100: true, 101: false, 1000: false} {
		if err := jobs.CheckProgress(p); (err == nil) != ok {
			t.Errorf("CheckProgress(%d) = %v, want ok %v", p, err, ok)
		}
	}
}

func TestListQueryValidate(t *testing.T) {
	t.Parallel()
	if jobs.DefaultListLimit < 1 || jobs.DefaultListLimit > jobs.MaxListLimit {
		t.Fatalf("DefaultListLimit %d out of 1..%d", jobs.DefaultListLimit, jobs.MaxListLimit)
	}
	for limit, ok := range map[int]bool{-1: false, 0: false, 1: true, jobs.DefaultListLimit: true, jobs.MaxListLimit: true, jobs.MaxListLimit + 1: false} {
		err := jobs.ListQuery{Owner: "o", Limit: limit}.Validate()
		if (err == nil) != ok {
			t.Errorf("Validate(limit %d) = %v, want ok %v", limit, err, ok)
		}
		if err != nil && !strings.Contains(err.Error(), fmt.Sprintf("1..%d", jobs.MaxListLimit)) {
			t.Errorf("Validate(limit %d) = %q does not give the range", limit, err)
		}
	}
}

func TestPrepareCreate(t *testing.T) {
	t.Parallel()
	created := ruleNow
	valid := jobs.Job{ID: "j", Owner: "o", JobType: "echo", CreatedAt: created, MaxAttempts: 3, Priority: 2}
	for name, mutate := range map[string]func(*jobs.Job){
		"no id":       func(j *jobs.Job) { j.ID = "" },
		"no owner":    func(j *jobs.Job) { j.Owner = "" },
		"no job type": func(j *jobs.Job) { j.JobType = "" },
	} {
		j := valid
		mutate(&j)
		if _, err := jobs.PrepareCreate(j); err == nil {
			t.Errorf("%s: PrepareCreate accepted %+v", name, j)
		}
	}
	cases := []struct {
		name       string
		in         jobs.Job
		wantParams string
		wantUpdate time.Time
	}{
		{"defaults", valid, `{}`, created},
		{"given", func() jobs.Job {
			j := valid
			j.Parameters, j.UpdatedAt = json.RawMessage(`{"n":1}`), created.Add(time.Second)
			return j
		}(), `{"n":1}`, created.Add(time.Second)},
		// Whatever status and version the caller sets, a new job is queued
		// at version 1.
		{"status and version forced", func() jobs.Job {
			j := valid
			j.Status, j.Version = jobs.StatusCompleted, 9
			return j
		}(), `{}`, created},
	}
	for _, c := range cases {
		got, err := jobs.PrepareCreate(c.in)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got.Status != jobs.StatusQueued || got.Version != 1 || string(got.Parameters) != c.wantParams || !got.UpdatedAt.Equal(c.wantUpdate) {
			t.Errorf("%s: PrepareCreate = status %s version %d params %s updated %v", c.name, got.Status, got.Version, got.Parameters, got.UpdatedAt)
		}
		if got.ID != c.in.ID || got.Owner != c.in.Owner || got.JobType != c.in.JobType || got.MaxAttempts != 3 || got.Priority != 2 || !got.CreatedAt.Equal(created) {
			t.Errorf("%s: PrepareCreate changed the caller's fields: %+v", c.name, got)
		}
	}
}

func TestQueuedSweepAt(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		delay, grace time.Duration
		want         time.Time
	}{
		{0, jobs.DefaultQueuedGrace, ruleNow.Add(2 * time.Minute)},
		{90 * time.Second, jobs.DefaultQueuedGrace, ruleNow.Add(90*time.Second + 2*time.Minute)},
		{jobs.MaxDelaySeconds * time.Second, 0, ruleNow.Add(15 * time.Minute)},
	} {
		if got := jobs.QueuedSweepAt(ruleNow, c.delay, c.grace); !got.Equal(c.want) {
			t.Errorf("QueuedSweepAt(delay %v, grace %v) = %v, want %v", c.delay, c.grace, got, c.want)
		}
	}
}

// sameError reports whether got is want's verdict: nil for nil, else an
// error that wraps want.
func sameError(got, want error) bool {
	if want == nil {
		return got == nil
	}
	return errors.Is(got, want)
}
