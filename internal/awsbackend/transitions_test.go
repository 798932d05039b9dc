package awsbackend_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"jobline/internal/awsbackend/awstest"
	"jobline/internal/jobs"
	"jobline/internal/jobs/dynamostore"
)

// transitionCost is what one store operation consumed.
type transitionCost struct {
	name  string
	usage awstest.Usage
	// itemSize is the job item's size after the operation, for writes of
	// the first job.
	itemSize int
}

// transitionOwner is an owner ID as long as a Cognito user's "sub".
const transitionOwner = "3f1c9a52-7d1e-4b8e-9f27-0c1d2e3f4a5b"

// measureTransitions runs each store operation on a fresh table of the
// emulator through the capacity meter: what each transition of a job costs
// in DynamoDB (docs/aws.md's table is made from it).
func measureTransitions(t testing.TB) []transitionCost {
	t.Helper()
	cfg := awstest.Config(t)
	raw := awstest.Clients(t, cfg)
	schema, _ := awstest.JobsTableSchema(t)
	meter := awstest.NewMeter(schema, raw.DynamoDB)
	table := awstest.NewTable(t, raw.DynamoDB, cfg)
	store, err := dynamostore.New(awstest.Clients(t, cfg, meter.Hook()).Dynamo, awstest.StoreConfig(cfg, table))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	var costs []transitionCost
	step := func(name string, f func() error) {
		t.Helper()
		meter.Reset()
		if err := f(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := meter.Err(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		costs = append(costs, transitionCost{name: name, usage: meter.Total()})
	}
	seq := 0
	newJob := func() jobs.Job {
		seq++
		return jobs.Job{ID: fmt.Sprintf("t%025d", seq), Owner: transitionOwner, JobType: "echo", Parameters: json.RawMessage(`{"hello":"world"}`),
			MaxAttempts: 3, CreatedAt: now, UpdatedAt: now, SweepAt: now.Add(jobs.DefaultQueuedGrace),
			IdempotencyKey: "order-7f3e9c2a-5b1d-4e8f-a6c0-123456789abc", RequestHash: strings.Repeat("a", 64)}
	}
	claimAt := func(id string, at time.Time) jobs.Claim {
		return jobs.Claim{LeaseToken: "lease-" + id + strings.Repeat("0", 20), Now: at, LeaseExpiresAt: at.Add(90 * time.Second)}
	}
	claim := func(id string) jobs.Claim { return claimAt(id, now) }
	j := newJob()
	sized := func(name string, f func() error) {
		t.Helper()
		step(name, f)
		out, err := raw.DynamoDB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &table, Key: map[string]types.AttributeValue{
			"PK": &types.AttributeValueMemberS{Value: "JOB#" + j.ID}, "SK": &types.AttributeValueMemberS{Value: "JOB"}}})
		if err != nil {
			t.Fatal(err)
		}
		costs[len(costs)-1].itemSize = awstest.ItemSize(out.Item)
	}
	sized("create (PutItem)", func() error { _, _, err := store.Create(ctx, j); return err })
	sized("claim", func() error { _, err := store.Claim(ctx, j.ID, claim(j.ID)); return err })
	sized("progress", func() error { _, err := store.Progress(ctx, j.ID, claim(j.ID).LeaseToken, 50, now); return err })
	sized("finish (completed, result = parameters)", func() error {
		_, err := store.Finish(ctx, j.ID, claim(j.ID).LeaseToken, jobs.Outcome{Status: jobs.StatusCompleted, Result: j.Parameters, Now: now, Attempt: 1})
		return err
	})
	step("get (eventually consistent)", func() error { _, err := store.Get(ctx, j.ID); return err })

	q := newJob()
	mustDo(t, func() error { _, _, err := store.Create(ctx, q); return err })
	var read jobs.Job
	step("quick run's read (strongly consistent)", func() (err error) {
		read, err = store.GetLatest(ctx, q.ID)
		return err
	})
	step("quick run's finish (queued -> completed, result = parameters)", func() error {
		_, err := store.FinishUnclaimed(ctx, q.ID, jobs.UnclaimedRun{Version: read.Version, Attempt: 1, Started: now, Now: now, Result: q.Parameters})
		return err
	})

	r := newJob()
	mustDo(t, func() error { _, _, err := store.Create(ctx, r); return err })
	mustDo(t, func() error { _, err := store.Claim(ctx, r.ID, claim(r.ID)); return err })
	step("retry (enters the sweep index)", func() error {
		_, err := store.Retry(ctx, r.ID, claim(r.ID).LeaseToken, jobs.RetryWait{ErrorMessage: "boom", NextAttemptAt: now.Add(time.Second), Now: now, Attempt: 1})
		return err
	})
	step("claim of a job in the sweep index (its key moves)", func() error {
		_, err := store.Claim(ctx, r.ID, claimAt(r.ID+"b", now.Add(2*time.Second)))
		return err
	})
	step("finish of a job in the sweep index (leaves it)", func() error {
		_, err := store.Finish(ctx, r.ID, claim(r.ID+"b").LeaseToken, jobs.Outcome{Status: jobs.StatusFailed, ErrorMessage: "boom", Now: now, Attempt: 2})
		return err
	})
	c := newJob()
	mustDo(t, func() error { _, _, err := store.Create(ctx, c); return err })
	step("cancel (queued)", func() error {
		_, err := store.Cancel(ctx, c.ID, jobs.CancelRequest{Owner: transitionOwner, Now: now})
		return err
	})
	step("add asset (TransactWriteItems)", func() error {
		a := newJob()
		if _, _, err := store.Create(ctx, a); err != nil {
			return err
		}
		if _, err := store.Claim(ctx, a.ID, claim(a.ID)); err != nil {
			return err
		}
		meter.Reset()
		_, err := store.AddAsset(ctx, claim(a.ID).LeaseToken, jobs.Asset{ID: "asset-1", JobID: a.ID, AssetType: "report",
			StoragePath: "reports/" + a.ID + "/report.csv", FileSize: 1234, CreatedAt: now})
		return err
	})
	for range 25 {
		mustDo(t, func() error { _, _, err := store.Create(ctx, newJob()); return err })
	}
	step("list, 20 jobs a page (Query + BatchGetItem)", func() error {
		_, err := store.List(ctx, jobs.ListQuery{Owner: transitionOwner, Limit: 20})
		return err
	})
	step("list, status=failed (examines up to 100 jobs)", func() error {
		_, err := store.List(ctx, jobs.ListQuery{Owner: transitionOwner, Status: jobs.StatusFailed, Limit: 20})
		return err
	})
	// Five minutes on, the creation window has passed all 30 jobs: the 26
	// unfinished ones (25 queued, the asset's running) enter the sweep index.
	later := now.Add(5 * time.Minute)
	step("reconciler sweep: 26 unfinished jobs of 30 enter the sweep index", func() error {
		_, err := store.ListDue(ctx, later, 100)
		return err
	})
	step("reconciler sweep, nothing new", func() error {
		_, err := store.ListDue(ctx, later, 100)
		return err
	})
	return costs
}

func mustDo(t testing.TB, f func() error) {
	t.Helper()
	if err := f(); err != nil {
		t.Fatal(err)
	}
}

// printTransitions writes the cost of each transition.
func printTransitions(w io.Writer, costs []transitionCost) {
	fmt.Fprintf(w, "\nDynamoDB capacity per store operation (an echo job {\"hello\":\"world\"}, owner of %d characters, an idempotency key), metered on the emulator:\n", len(transitionOwner))
	for _, c := range costs {
		size := ""
		if c.itemSize > 0 {
			size = fmt.Sprintf(", item %d bytes after", c.itemSize)
		}
		fmt.Fprintf(w, "  %-62s %3d requests %6.2f WRU (indexes: %s) %6.2f RRU%s\n", c.name, c.usage.Requests, c.usage.WRU, perJob(c.usage.IndexWRU, 1), c.usage.RRU, size)
	}
}

// TestCostPerTransition pins what docs/aws.md says a job's transitions
// cost: a create writes the item and the two indexes it enters for good,
// a claim, progress or finish only the item (under 1 KB), and a sweep
// index entry costs only jobs that outlive their creation window.
func TestCostPerTransition(t *testing.T) {
	t.Parallel()
	costs := measureTransitions(t)
	printTransitions(testWriter{t}, costs)
	want := map[string]float64{
		"create (PutItem)": 3,
		"claim":            1,
		"progress":         1,
		"finish (completed, result = parameters)":                       1,
		"quick run's finish (queued -> completed, result = parameters)": 1,
		"retry (enters the sweep index)":                                2,
		"claim of a job in the sweep index (its key moves)":             3,
		"finish of a job in the sweep index (leaves it)":                2,
		"cancel (queued)":                1,
		"add asset (TransactWriteItems)": 4,
		"reconciler sweep: 26 unfinished jobs of 30 enter the sweep index": 2*26 + 1, // and the watermark
		"reconciler sweep, nothing new":                                    0,
	}
	for _, c := range costs {
		if c.name == "quick run's read (strongly consistent)" && (c.usage.RRU != 1 || c.usage.WRU != 0) {
			t.Errorf("%s: %.2f RRU and %.2f WRU, want 1 RRU (an item under 4 KB, read strongly consistent)", c.name, c.usage.RRU, c.usage.WRU)
		}
		if w, ok := want[c.name]; ok && c.usage.WRU != w {
			t.Errorf("%s: %.2f WRU, want %.0f (%+v)", c.name, c.usage.WRU, w, c.usage)
		}
		if c.itemSize >= 1024 {
			t.Errorf("%s: the job item is %d bytes, over one write unit", c.name, c.itemSize)
		}
		if strings.HasPrefix(c.name, "list") && c.usage.Requests != 2 {
			t.Errorf("%s: %d requests, want 2", c.name, c.usage.Requests)
		}
	}
}

// testWriter writes to a test's log.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
