package dynamostore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"jobline/internal/awsapi/dynamo"
	"jobline/internal/jobs"
)

// The reconciler's view of unfinished jobs (ListDue) costs no index write
// for a job that ends soon after it is created, which is most jobs:
//
//   - Every job has a sweep time (GSI2SK), but only a job carrying GSI2PK is
//     in the sweep index (GSI2). Create sets GSI2PK only for a job due
//     within SweepLag of its creation; claims and progress never touch it.
//   - ListDue first walks the creation window: the creation index (GSI3)
//     from where the previous walk stopped (the sweep state item, shards.go) up to
//     ListDue's before less SweepLag, reading each job's item. A job that
//     is final by then is done with; one that is not enters the sweep
//     index (SET GSI2PK, the only write, conditional on the job still being
//     unfinished and out of the index). A walk that cannot go on (an
//     error, an unprocessed item) stops there, so no job is passed over.
//   - Then it queries the sweep index for jobs due at or before before.
//
// Any write that may move a job's sweep time earlier than its window puts
// it in the index itself (retry, redrive, the reconciler's reschedule), and
// a final write removes it, so every unfinished job due at or before
// before is in the index by the time ListDue answers.

// windowPage is how many creation-index keys one step of the walk reads:
// one Query and one BatchGetItem.
const windowPage = 100

// ListDue returns up to limit unfinished jobs whose SweepAt is at or
// before before, oldest SweepAt first, after walking the creation window
// up to before less SweepLag.
func (s *Store) ListDue(ctx context.Context, before time.Time, limit int) ([]jobs.Job, error) {
	if limit <= 0 {
		return nil, nil
	}
	sweepShards, err := s.walkCreationWindow(ctx, before)
	if err != nil {
		return nil, fmt.Errorf("list due jobs: %w", err)
	}
	due, err := s.dueJobs(ctx, sweepShards, before, limit)
	if err != nil {
		return nil, fmt.Errorf("list due jobs: %w", err)
	}
	return due, nil
}

// walkCreationWindow puts the unfinished jobs created at or before now
// less SweepLag in the sweep index, each creation shard from its
// watermark on (at most WindowBatch jobs a shard), and writes the sweep
// state once: the watermarks moved and the shard counts in use
// (shards.go). It returns how many sweep shards to read.
func (s *Store) walkCreationWindow(ctx context.Context, now time.Time) (sweepShards int, err error) {
	st, err := s.readSweepState(ctx)
	if err != nil {
		return 0, err
	}
	var u stateUpdate
	errs := []error{
		s.recordShards(ctx, creationIndex, s.cfg.CreationShards, st.creation, now, &u),
		s.recordShards(ctx, sweepIndex, s.cfg.SweepShards, st.sweepIx, now, &u),
	}
	bound := formatTime(now.Add(-s.cfg.SweepLag).Add(time.Nanosecond)) // every creation key of a job created at or before now less SweepLag is below
	shards := st.creation.reading(s.cfg.CreationShards)
	moved := make([]string, shards)
	walkErrs := make([]error, shards)
	var wg sync.WaitGroup
	for i := range shards {
		wg.Go(func() { moved[i], walkErrs[i] = s.walkShard(ctx, i, st.mark(i), bound) })
	}
	wg.Wait()
	for i, m := range moved {
		if m != st.mark(i) {
			u.set(watermarkAttr(i), m)
		}
	}
	errs = append(append(errs, walkErrs...), s.writeSweepState(ctx, u))
	return st.sweepIx.reading(s.cfg.SweepShards), errors.Join(errs...)
}

// walkShard walks one creation shard, oldest first, from the creation key
// mark up to bound, and returns how far it got.
func (s *Store) walkShard(ctx context.Context, shard int, mark, bound string) (string, error) {
	for walked := 0; walked < s.cfg.WindowBatch; {
		keys, more, err := s.windowKeys(ctx, shard, mark, bound)
		if err != nil || len(keys) == 0 {
			return mark, err
		}
		items, unprocessed, err := s.batchGet(ctx, keys)
		if err != nil {
			return mark, err
		}
		for _, k := range keys {
			if unprocessed[k.id] {
				return mark, nil // the next walk starts here
			}
			if av, ok := items[k.id]; ok && outsideSweepIndex(av) {
				if err := s.enterSweepIndex(ctx, k.id); err != nil {
					return mark, err
				}
			}
			mark = k.created
		}
		walked += len(keys)
		if !more {
			return mark, nil
		}
	}
	return mark, nil
}

// windowKeys reads the next keys of a creation shard after mark and below
// bound, oldest first.
func (s *Store) windowKeys(ctx context.Context, shard int, mark, bound string) (keys []indexKey, more bool, err error) {
	partition := creationIndex.partition(shard)
	expr, err := expression.NewBuilder().WithKeyCondition(expression.KeyAnd(
		expression.Key(creationIndex.partitionAttr).Equal(expression.Value(partition)),
		expression.Key("GSI1SK").LessThan(expression.Value(bound)),
	)).Build()
	if err != nil {
		return nil, false, fmt.Errorf("build expression: %w", err)
	}
	in := &dynamo.QueryInput{
		TableName: &s.cfg.TableName, IndexName: aws.String(gsiByCreation),
		KeyConditionExpression: expr.KeyCondition(), ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
		ScanIndexForward: aws.Bool(true), Limit: aws.Int32(windowPage),
	}
	if mark != "" {
		_, id, _ := cutCreationKey(mark)
		in.ExclusiveStartKey = map[string]types.AttributeValue{
			"PK": &types.AttributeValueMemberS{Value: jobPK(id)}, "SK": &types.AttributeValueMemberS{Value: jobSK},
			"GSI3PK": &types.AttributeValueMemberS{Value: partition}, "GSI1SK": &types.AttributeValueMemberS{Value: mark},
		}
	}
	out, err := s.db.Query(ctx, in)
	if err != nil {
		return nil, false, translate("walk", partition, err, nil)
	}
	return keysOf(out)
}

// outsideSweepIndex reports whether a job item is unfinished, has a sweep
// time and is not in the sweep index.
func outsideSweepIndex(av map[string]types.AttributeValue) bool {
	status, _ := av["Status"].(*types.AttributeValueMemberS)
	_, indexed := av["GSI2PK"]
	_, hasSweep := av["GSI2SK"]
	return status != nil && !jobs.Status(status.Value).Final() && hasSweep && !indexed
}

// enterSweepIndex puts an unfinished job in the sweep index at its sweep
// time. It changes nothing the job's readers see (no new version); a job
// that finished or entered the index meanwhile is left alone.
func (s *Store) enterSweepIndex(ctx context.Context, id string) error {
	cond := expression.And(attrPK.AttributeExists(), attrGSI2SK.AttributeExists(), attrGSI2PK.AttributeNotExists(),
		statusWhere(func(st jobs.Status) bool { return !st.Final() }))
	expr, err := expression.NewBuilder().WithCondition(cond).
		WithUpdate(expression.Set(attrGSI2PK, expression.Value(sweepShard(id, s.cfg.SweepShards)))).Build()
	if err != nil {
		return fmt.Errorf("index job %s for the sweep: build expression: %w", id, err)
	}
	_, err = s.db.UpdateItem(ctx, &dynamo.UpdateItemInput{
		TableName: &s.cfg.TableName, Key: jobKey(id), ConditionExpression: expr.Condition(), UpdateExpression: expr.Update(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
	})
	var ccf *types.ConditionalCheckFailedException
	if err != nil && !errors.As(err, &ccf) {
		return translate("index for the sweep", id, err, nil)
	}
	return nil
}

// sweepKey is a job's entry in the sweep index.
type sweepKey struct {
	indexKey
	sweep string // GSI2SK
}

// dueJobs queries the first n shards of the sweep index for jobs due at
// or before before, takes the limit oldest and reads them; a job the index
// still shows although it finished (index lag) is left out.
func (s *Store) dueJobs(ctx context.Context, n int, before time.Time, limit int) ([]jobs.Job, error) {
	shards := make([][]sweepKey, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { shards[i], errs[i] = s.dueKeys(ctx, i, before, limit) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	keys := slices.Concat(shards...)
	slices.SortFunc(keys, func(a, b sweepKey) int { return cmp.Or(cmp.Compare(a.sweep, b.sweep), cmp.Compare(a.id, b.id)) })
	keys = keys[:min(len(keys), limit)]
	var due []jobs.Job
	for chunk := range slices.Chunk(keys, listWindow) {
		ik := make([]indexKey, len(chunk))
		for i, k := range chunk {
			ik[i] = k.indexKey
		}
		items, _, err := s.batchGet(ctx, ik) // an unprocessed one is due again next time
		if err != nil {
			return nil, err
		}
		for _, k := range chunk {
			av, ok := items[k.id]
			if !ok {
				continue
			}
			j, err := decodeJob(av)
			if err != nil {
				return nil, err
			}
			if !j.Status.Final() && !j.SweepAt.After(before) {
				due = append(due, j)
			}
		}
	}
	slices.SortStableFunc(due, func(a, b jobs.Job) int { return cmp.Or(a.SweepAt.Compare(b.SweepAt), cmp.Compare(a.ID, b.ID)) })
	return due, nil
}

// dueKeys reads up to limit keys of a sweep shard due at or before before,
// oldest first.
func (s *Store) dueKeys(ctx context.Context, shard int, before time.Time, limit int) ([]sweepKey, error) {
	expr, err := expression.NewBuilder().WithKeyCondition(expression.KeyAnd(
		expression.Key(sweepIndex.partitionAttr).Equal(expression.Value(sweepIndex.partition(shard))),
		expression.Key("GSI2SK").LessThanEqual(expression.Value(formatTime(before))),
	)).Build()
	if err != nil {
		return nil, fmt.Errorf("build expression: %w", err)
	}
	out, err := s.db.Query(ctx, &dynamo.QueryInput{
		TableName: &s.cfg.TableName, IndexName: aws.String(gsiBySweep),
		KeyConditionExpression: expr.KeyCondition(), ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
		ScanIndexForward: aws.Bool(true), Limit: aws.Int32(int32(limit)),
	})
	if err != nil {
		return nil, translate("list due", "", err, nil)
	}
	keys := make([]sweepKey, 0, len(out.Items))
	for _, av := range out.Items {
		pk, _ := av["PK"].(*types.AttributeValueMemberS)
		sweep, _ := av["GSI2SK"].(*types.AttributeValueMemberS)
		if pk == nil || sweep == nil || !strings.HasPrefix(pk.Value, jobPrefix) {
			return nil, fmt.Errorf("sweep index entry without keys: %v", av)
		}
		keys = append(keys, sweepKey{indexKey: indexKey{id: strings.TrimPrefix(pk.Value, jobPrefix)}, sweep: sweep.Value})
	}
	return keys, nil
}
