package dynamostore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"jobline/internal/awsbackend/awstest"
	"jobline/internal/jobs"
	"jobline/internal/jobs/dynamostore"
)

// bigOwnerJobs is how many jobs the bounded-list test gives one owner.
const bigOwnerJobs = 10_000

// TestListsAreBounded lists the jobs of an owner who has 10,000 (one in
// 300 failed, one in 7 a report) on the emulator, counting DynamoDB
// requests: every page of List, filtered or not, is at most 2 requests
// (one Query of keys, one BatchGetItem) and examines at most 100 jobs;
// every page of ListAll at most a Query per creation shard, one
// BatchGetItem and the read of how many shards are in use. The pages hold
// the newest matching jobs in order, and a short page's cursor leads on.
// (The whole walk to the last page is the conformance suite's, on fewer
// jobs: the emulator takes about half a second a page here.)
func TestListsAreBounded(t *testing.T) {
	t.Parallel()
	cfg := awstest.Config(t)
	raw := awstest.Clients(t, cfg)
	counter := awstest.NewRequestCounter()
	table := awstest.NewTable(t, raw.DynamoDB, cfg)
	storeCfg := awstest.StoreConfig(cfg, table)
	store, err := dynamostore.New(awstest.Clients(t, cfg, counter.Hook()).Dynamo, storeCfg)
	if err != nil {
		t.Fatal(err)
	}
	loadBigOwner(t, raw.DynamoDB, store, table)
	ctx := context.Background()
	tests := []struct {
		name   string
		q      jobs.ListQuery
		all    bool
		pages  int
		want   []string // the IDs of the first pages, in order
		perReq int64    // DynamoDB requests a page may make
	}{
		{"status=failed, limit 1 (the issue's 150 sequential queries)", jobs.ListQuery{Owner: "big", Status: jobs.StatusFailed, Limit: 1}, false, 4,
			bigIDs(2, func(i int) bool { return i%300 == 0 }), 2}, // pages: 9900, -, -, 9600
		{"status=failed, type report, limit 100: short pages", jobs.ListQuery{Owner: "big", Status: jobs.StatusFailed, JobType: "report", Limit: 100}, false, 3,
			bigIDs(-1, func(i int) bool { return i%300 == 0 && i%7 == 0 && i >= bigOwnerJobs-300 }), 2},
		{"no filter, limit 100", jobs.ListQuery{Owner: "big", Limit: 100}, false, 3, bigIDs(300, func(int) bool { return true }), 2},
		{"every owner, status=failed", jobs.ListQuery{Status: jobs.StatusFailed, Limit: 50}, true, 2,
			bigIDs(-1, func(i int) bool { return i%300 == 0 && i >= bigOwnerJobs-200 }), int64(storeCfg.CreationShards) + 2},
	}
	for _, tt := range tests {
		var got []string
		q := tt.q
		for page := range tt.pages {
			counter.Reset()
			list := store.List
			if tt.all {
				list = store.ListAll
			}
			p, err := list(ctx, q)
			if err != nil {
				t.Fatalf("%s, page %d: %v", tt.name, page, err)
			}
			if n := counter.Total("DynamoDB"); n > tt.perReq {
				t.Fatalf("%s, page %d: %d DynamoDB requests, want at most %d: %v", tt.name, page, n, tt.perReq, counter.Counts())
			}
			if n := counter.Get("DynamoDB.BatchGetItem"); n != 1 {
				t.Fatalf("%s, page %d: %d BatchGetItem, want 1", tt.name, page, n)
			}
			for _, j := range p.Jobs {
				got = append(got, j.ID)
			}
			if p.NextCursor == "" {
				t.Fatalf("%s, page %d: no cursor although older jobs exist", tt.name, page)
			}
			q.Cursor = p.NextCursor
		}
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("%s: listed %v, want %v", tt.name, got, tt.want)
		}
	}
}

// bigIDs returns the big owner's job IDs that keep, newest first, at most
// n of them (all when n < 0).
func bigIDs(n int, keep func(i int) bool) []string {
	var ids []string
	for i := bigOwnerJobs - 1; i >= 0 && (n < 0 || len(ids) < n); i-- {
		if keep(i) {
			ids = append(ids, fmt.Sprintf("big-%05d", i))
		}
	}
	return ids
}

// loadBigOwner writes the big owner's jobs with BatchWriteItem, job i
// created i seconds after the first.
func loadBigOwner(t *testing.T, db *dynamodb.Client, store *dynamostore.Store, table string) {
	t.Helper()
	start := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
	var batch []types.WriteRequest
	flush := func() {
		for len(batch) > 0 {
			out, err := db.BatchWriteItem(context.Background(), &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{table: batch}})
			if err != nil {
				t.Fatal(err)
			}
			batch = out.UnprocessedItems[table]
		}
	}
	for i := range bigOwnerJobs {
		j := jobs.Job{ID: fmt.Sprintf("big-%05d", i), Owner: "big", JobType: "echo", Status: jobs.StatusCompleted, Parameters: json.RawMessage(`{}`),
			MaxAttempts: 3, Version: 3, Attempt: 1, CreatedAt: start.Add(time.Duration(i) * time.Second)}
		j.UpdatedAt, j.CompletedAt = j.CreatedAt, j.CreatedAt
		if i%300 == 0 {
			j.Status, j.DeadLettered = jobs.StatusFailed, true
		}
		if i%7 == 0 {
			j.JobType = "report"
		}
		item, err := store.ItemOf(j)
		if err != nil {
			t.Fatal(err)
		}
		batch = append(batch, types.WriteRequest{PutRequest: &types.PutRequest{Item: item}})
		if len(batch) == 25 {
			flush()
		}
	}
	flush()
}
