package dynamostore_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"jobline/internal/awsapi/dynamo"
	"jobline/internal/awsbackend/awstest"
	"jobline/internal/jobs"
	"jobline/internal/jobs/dynamostore"
)

// shardTable is one table opened by stores of different shard counts, as
// functions deployed before and after a parameter change open it.
type shardTable struct {
	t       *testing.T
	ctx     context.Context
	raw     *dynamodb.Client
	counted *dynamo.Client
	counter *awstest.RequestCounter
	table   string
}

func newShardTable(t *testing.T) *shardTable {
	cfg := awstest.Config(t)
	raw := awstest.Clients(t, cfg).DynamoDB
	counter := awstest.NewRequestCounter()
	return &shardTable{t: t, ctx: context.Background(), raw: raw, counter: counter,
		counted: awstest.Clients(t, cfg, counter.Hook()).Dynamo, table: awstest.NewTable(t, raw, cfg)}
}

func (st *shardTable) open(creation, sweep int) *dynamostore.Store {
	st.t.Helper()
	s, err := dynamostore.New(st.counted, dynamostore.Config{TableName: st.table, CreationShards: creation, SweepShards: sweep})
	if err != nil {
		st.t.Fatal(err)
	}
	return s
}

// create makes n queued jobs at t0, due a minute later: each is in the
// sweep index from its create on, in the shards of s's counts.
func (st *shardTable) create(s *dynamostore.Store, prefix string, n int, t0 time.Time) []string {
	st.t.Helper()
	var ids []string
	for i := range n {
		j := jobs.Job{ID: fmt.Sprintf("%s-%02d", prefix, i), Owner: fmt.Sprintf("owner-%d", i%3), JobType: "echo", Status: jobs.StatusQueued,
			MaxAttempts: 3, CreatedAt: t0, UpdatedAt: t0, SweepAt: t0.Add(time.Minute)}
		if _, _, err := s.Create(st.ctx, j); err != nil {
			st.t.Fatal(err)
		}
		ids = append(ids, j.ID)
	}
	return ids
}

// sweep is one reconciler sweep at now; it returns the IDs of the due jobs.
func (st *shardTable) sweep(s *dynamostore.Store, now time.Time) []string {
	st.t.Helper()
	due, err := s.ListDue(st.ctx, now, 1000)
	if err != nil {
		st.t.Fatalf("ListDue at %v: %v", now, err)
	}
	return sortedIDs(due)
}

// listAll returns the IDs of every job s lists (one page) and the Query
// requests it made.
func (st *shardTable) listAll(s *dynamostore.Store) ([]string, int64) {
	st.t.Helper()
	st.counter.Reset()
	page, err := s.ListAll(st.ctx, jobs.ListQuery{Limit: 100})
	if err != nil || page.NextCursor != "" {
		st.t.Fatalf("ListAll: %v, next cursor %q", err, page.NextCursor)
	}
	return sortedIDs(page.Jobs), st.counter.Get("DynamoDB.Query")
}

// wantRead checks how many shards s reads.
func (st *shardTable) wantRead(s *dynamostore.Store, when string, creation, sweep int) {
	st.t.Helper()
	c, w, err := s.ShardsRead(st.ctx)
	if err != nil || c != creation || w != sweep {
		st.t.Fatalf("%s: reads %d creation and %d sweep shards (%v), want %d and %d", when, c, w, err, creation, sweep)
	}
}

func (st *shardTable) cancelAll(s *dynamostore.Store, ids []string, now time.Time) {
	st.t.Helper()
	for _, id := range ids {
		if _, err := s.Cancel(st.ctx, id, jobs.CancelRequest{AnyOwner: true, By: "test", Now: now}); err != nil {
			st.t.Fatal(err)
		}
	}
}

// expire deletes the jobs' items, as the table's TTL does after the
// retention.
func (st *shardTable) expire(ids []string) {
	st.t.Helper()
	for _, id := range ids {
		key := map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "JOB#" + id}, "SK": &types.AttributeValueMemberS{Value: "JOB"}}
		if _, err := st.raw.DeleteItem(st.ctx, &dynamodb.DeleteItemInput{TableName: &st.table, Key: key}); err != nil {
			st.t.Fatal(err)
		}
	}
}

func sortedIDs(js []jobs.Job) []string {
	ids := make([]string, 0, len(js))
	for _, j := range js {
		ids = append(ids, j.ID)
	}
	slices.Sort(ids)
	return ids
}

// TestShardCountsChangeOnALiveTable changes both shard counts of a table
// holding jobs, as a stack update of the CreationShards and SweepShards
// parameters does: after a decrease no job is missed by the reconciler or
// the operators' list, and the retired shards stop being read only once
// they have stayed empty for the grace period (an entry written there
// meanwhile, by a function still running with the old count, restarts
// it); an increase is read by every store once a sweep has recorded it.
func TestShardCountsChangeOnALiveTable(t *testing.T) {
	t.Parallel()
	st := newShardTable(t)
	t0 := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	wide := st.open(8, 8)
	ids := st.create(wide, "wide", 40, t0)
	st.sweep(wide, t0)
	st.wantRead(wide, "after the wide store's sweep", 8, 8)

	narrow := st.open(1, 1)
	st.wantRead(narrow, "a store with fewer shards", 8, 8)
	if got, queries := st.listAll(narrow); !slices.Equal(got, ids) || queries != 8 {
		t.Fatalf("ListAll after the decrease: %d of %d jobs in %d queries, want all in 8", len(got), len(ids), queries)
	}
	if due := st.sweep(narrow, t0.Add(time.Minute)); !slices.Equal(due, ids) {
		t.Fatalf("due after the decrease: %d of %d jobs", len(due), len(ids))
	}

	// The jobs end: the retired sweep shards empty, but a function still
	// running with the old count puts a job in one of them.
	st.cancelAll(narrow, ids, t0.Add(2*time.Minute))
	now := t0.Add(5 * time.Minute)
	st.sweep(narrow, now)
	late := st.create(wide, "late", 8, now)
	st.sweep(narrow, now.Add(dynamostore.RetireGrace))
	st.wantRead(narrow, "with a job in a retired sweep shard", 8, 8)
	if due := st.sweep(narrow, now.Add(dynamostore.RetireGrace)); !slices.Equal(due, late) {
		t.Fatalf("due: %v, want the late jobs %v", due, late)
	}
	st.cancelAll(narrow, late, now)
	now = now.Add(dynamostore.RetireGrace)
	st.sweep(narrow, now)
	st.sweep(narrow, now.Add(dynamostore.RetireGrace-time.Second))
	st.wantRead(narrow, "before the retired sweep shards were empty for the grace", 8, 8)
	st.sweep(narrow, now.Add(dynamostore.RetireGrace))
	st.wantRead(narrow, "once the retired sweep shards were empty for the grace", 8, 1)

	// The creation shards empty when the TTL deletes the jobs.
	st.expire(append(ids, late...))
	now = now.Add(time.Hour)
	st.sweep(narrow, now)
	st.sweep(narrow, now.Add(dynamostore.RetireGrace))
	st.wantRead(narrow, "once the retired creation shards were empty for the grace", 1, 1)
	if got, queries := st.listAll(narrow); len(got) != 0 || queries != 1 {
		t.Fatalf("ListAll of an empty table: %v in %d queries, want none in 1", got, queries)
	}

	// An increase: recorded by the next sweep, then read by every store.
	more := st.open(4, 3)
	added := st.create(more, "more", 24, now)
	st.sweep(more, now.Add(dynamostore.RetireGrace))
	st.wantRead(narrow, "after the increase", 4, 3)
	if got, _ := st.listAll(narrow); !slices.Equal(got, added) {
		t.Fatalf("ListAll after the increase: %d of %d jobs", len(got), len(added))
	}
	if due := st.sweep(narrow, now.Add(dynamostore.RetireGrace)); !slices.Equal(due, added) {
		t.Fatalf("due after the increase: %d of %d jobs", len(due), len(added))
	}
}
