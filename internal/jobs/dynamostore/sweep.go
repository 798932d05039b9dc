package dynamostore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"jobline/internal/jobs"
)

// The reconciler's view of unfinished jobs (ListDue) costs no index write
// for a job that ends soon after it is created, which is most jobs:
//
//   - Every job has a sweep time (GSI2SK), but only a job carrying GSI2PK is
//     in the sweep index (GSI2). Create sets GSI2PK only for a job due
//     within SweepLag of its creation; claims and progress never touch it.
//   - ListDue first walks the creation window: the creation index (GSI3)
//     from where the previous walk stopped (the watermark item) up to
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

// Attributes of the watermark item: W<shard> is the creation key the walk
// of that creation shard has passed.
var watermarkKey = map[string]types.AttributeValue{
	"PK": &types.AttributeValueMemberS{Value: "SWEEP"},
	"SK": &types.AttributeValueMemberS{Value: "WINDOW"},
}

func watermarkAttr(shard int) string { return "W" + strconv.Itoa(shard) }

// ListDue returns up to limit unfinished jobs whose SweepAt is at or
// before before, oldest SweepAt first, after walking the creation window
// up to before less SweepLag.
func (s *Store) ListDue(ctx context.Context, before time.Time, limit int) ([]jobs.Job, error) {
	if limit <= 0 {
		return nil, nil
	}
	if err := s.walkCreationWindow(ctx, before.Add(-s.cfg.SweepLag)); err != nil {
		return nil, fmt.Errorf("list due jobs: %w", err)
	}
	due, err := s.dueJobs(ctx, before, limit)
	if err != nil {
		return nil, fmt.Errorf("list due jobs: %w", err)
	}
	return due, nil
}

// walkCreationWindow puts the unfinished jobs created at or before upper
// in the sweep index, each creation shard from its watermark on (at most
// WindowBatch jobs a shard), and moves the watermarks.
func (s *Store) walkCreationWindow(ctx context.Context, upper time.Time) error {
	marks, err := s.watermarks(ctx)
	if err != nil {
		return err
	}
	bound := formatTime(upper.Add(time.Nanosecond)) // every creation key of a job created at or before upper is below
	moved := make([]string, s.cfg.CreationShards)
	errs := make([]error, s.cfg.CreationShards)
	var wg sync.WaitGroup
	for i := range s.cfg.CreationShards {
		wg.Go(func() { moved[i], errs[i] = s.walkShard(ctx, i, marks[i], bound) })
	}
	wg.Wait()
	upd := expression.UpdateBuilder{}
	changed := false
	for i, m := range moved {
		if m != marks[i] {
			upd, changed = upd.Set(expression.Name(watermarkAttr(i)), expression.Value(m)), true
		}
	}
	if changed {
		if err := s.setWatermarks(ctx, upd); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// watermarks reads the creation key each shard's walk has passed ("" for
// a shard never walked).
func (s *Store) watermarks(ctx context.Context) ([]string, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.cfg.TableName, Key: watermarkKey, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, translate("read watermarks of", "the creation window", err, nil)
	}
	marks := make([]string, s.cfg.CreationShards)
	for i := range marks {
		if v, ok := out.Item[watermarkAttr(i)].(*types.AttributeValueMemberS); ok {
			marks[i] = v.Value
		}
	}
	return marks, nil
}

func (s *Store) setWatermarks(ctx context.Context, upd expression.UpdateBuilder) error {
	expr, err := expression.NewBuilder().WithUpdate(upd).Build()
	if err != nil {
		return fmt.Errorf("watermarks: build expression: %w", err)
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.cfg.TableName, Key: watermarkKey, UpdateExpression: expr.Update(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
	})
	if err != nil {
		return translate("write watermarks of", "the creation window", err, nil)
	}
	return nil
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
	partition := creationPrefix + strconv.Itoa(shard)
	expr, err := expression.NewBuilder().WithKeyCondition(expression.KeyAnd(
		expression.Key("GSI3PK").Equal(expression.Value(partition)),
		expression.Key("GSI1SK").LessThan(expression.Value(bound)),
	)).Build()
	if err != nil {
		return nil, false, fmt.Errorf("build expression: %w", err)
	}
	in := &dynamodb.QueryInput{
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
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
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

// dueJobs queries every shard of the sweep index for jobs due at or before
// before, takes the limit oldest and reads them; a job the index still
// shows although it finished (index lag) is left out.
func (s *Store) dueJobs(ctx context.Context, before time.Time, limit int) ([]jobs.Job, error) {
	shards := make([][]sweepKey, s.cfg.SweepShards)
	errs := make([]error, s.cfg.SweepShards)
	var wg sync.WaitGroup
	for i := range s.cfg.SweepShards {
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
		expression.Key("GSI2PK").Equal(expression.Value(sweepPrefix+strconv.Itoa(shard))),
		expression.Key("GSI2SK").LessThanEqual(expression.Value(formatTime(before))),
	)).Build()
	if err != nil {
		return nil, fmt.Errorf("build expression: %w", err)
	}
	out, err := s.db.Query(ctx, &dynamodb.QueryInput{
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
