package dynamostore

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"jobline/internal/awsapi/dynamo"
)

// Shard counts on a live table. A job's creation-index entry stays in the
// shard that its creator's CreationShards chose, and its sweep-index entry
// in the shard that the SweepShards of the write that set it chose. So that
// either count can change on a live table (they are template parameters),
// the readers read every shard a writer may have used: the sweep state item
// records each index's count in use, and ListDue and ListAll read
// max(configured, recorded) shards.
//
//   - A raised count is safe at once: the old shards are among the new.
//     The next sweep records it.
//   - A lowered count leaves entries in the shards above it (retired). The
//     readers keep reading them, and every sweep looks for an entry in them
//     (a Query of one key a shard, until it finds one). Once they have
//     stayed empty for retireGrace, longer than a function started with
//     the old count can still run, the sweep records the lower count and
//     the readers stop reading them. Retired sweep shards empty as their
//     jobs end; retired creation shards once the table's TTL has deleted
//     their jobs (the retention).

// retireGrace is how long retired shards must stay empty before the
// readers stop reading them: past Lambda's longest run (15 minutes), no
// function configured with the old count writes any more.
const retireGrace = 20 * time.Minute

// shardedIndex is an index whose partition key is spread over shards, and
// the attributes of the sweep state item that record its count.
type shardedIndex struct {
	name, partitionAttr, prefix string
	countAttr, emptySinceAttr   string
}

var (
	creationIndex = shardedIndex{gsiByCreation, "GSI3PK", creationPrefix, "CreationShards", "CreationShardsEmptySince"}
	sweepIndex    = shardedIndex{gsiBySweep, "GSI2PK", sweepPrefix, "SweepShards", "SweepShardsEmptySince"}
)

func (x shardedIndex) partition(shard int) string { return x.prefix + strconv.Itoa(shard) }

// shardUse is what the sweep state item records of an index's shards.
type shardUse struct {
	recorded   int       // the count in use; 0 before the first sweep
	emptySince time.Time // when the retired shards were first seen empty; zero if not
}

// reading is how many shards a reader configured with configured reads.
func (u shardUse) reading(configured int) int { return max(configured, u.recorded) }

// sweepState is the sweep state item: where each creation shard's walk
// stands (watermarkAttr), and the shard counts in use.
type sweepState struct {
	item              map[string]types.AttributeValue
	creation, sweepIx shardUse
}

// Key of the sweep state item.
var sweepStateKey = map[string]types.AttributeValue{
	"PK": &types.AttributeValueMemberS{Value: "SWEEP"},
	"SK": &types.AttributeValueMemberS{Value: "WINDOW"},
}

// watermarkAttr is the attribute holding the creation key that the walk of
// a creation shard has passed.
func watermarkAttr(shard int) string { return "W" + strconv.Itoa(shard) }

// mark returns the creation key the walk of shard has passed ("" for a
// shard never walked).
func (st sweepState) mark(shard int) string { return stringAttr(st.item, watermarkAttr(shard)) }

func stringAttr(item map[string]types.AttributeValue, name string) string {
	v, _ := item[name].(*types.AttributeValueMemberS)
	if v == nil {
		return ""
	}
	return v.Value
}

func intAttr(item map[string]types.AttributeValue, name string) int {
	v, _ := item[name].(*types.AttributeValueMemberN)
	if v == nil {
		return 0
	}
	n, _ := strconv.Atoi(v.Value)
	return n
}

// readSweepState reads the sweep state item (strongly consistent: the
// walk goes on from where the previous sweep left it).
func (s *Store) readSweepState(ctx context.Context) (sweepState, error) {
	out, err := s.db.GetItem(ctx, &dynamo.GetItemInput{TableName: &s.cfg.TableName, Key: sweepStateKey, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return sweepState{}, translate("read the state of", "the sweep", err, nil)
	}
	st := sweepState{item: out.Item}
	for _, u := range []struct {
		x   shardedIndex
		use *shardUse
	}{{creationIndex, &st.creation}, {sweepIndex, &st.sweepIx}} {
		u.use.recorded = intAttr(out.Item, u.x.countAttr)
		u.use.emptySince, _ = parseTime(stringAttr(out.Item, u.x.emptySinceAttr)) // unreadable: not seen empty
	}
	return st, nil
}

// creationShardsToRead is how many creation shards ListAll reads.
func (s *Store) creationShardsToRead(ctx context.Context) (int, error) {
	st, err := s.readSweepState(ctx)
	if err != nil {
		return 0, err
	}
	return st.creation.reading(s.cfg.CreationShards), nil
}

// stateUpdate collects the changes of the sweep state item that one sweep
// writes at once.
type stateUpdate struct {
	b       expression.UpdateBuilder
	changes int
}

func (u *stateUpdate) set(name string, value any) {
	u.b = u.b.Set(expression.Name(name), expression.Value(value))
	u.changes++
}

func (u *stateUpdate) remove(name string) {
	u.b = u.b.Remove(expression.Name(name))
	u.changes++
}

// writeSweepState applies u, if it changes anything.
func (s *Store) writeSweepState(ctx context.Context, u stateUpdate) error {
	if u.changes == 0 {
		return nil
	}
	expr, err := expression.NewBuilder().WithUpdate(u.b).Build()
	if err != nil {
		return fmt.Errorf("sweep state: build expression: %w", err)
	}
	_, err = s.db.UpdateItem(ctx, &dynamo.UpdateItemInput{
		TableName: &s.cfg.TableName, Key: sweepStateKey, UpdateExpression: expr.Update(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
	})
	if err != nil {
		return translate("write the state of", "the sweep", err, nil)
	}
	return nil
}

// recordShards adds to u what the sweep at now learns of x's shard count:
// a configured count at or above the recorded one is recorded at once; a
// lower one once the retired shards have stayed empty for retireGrace.
func (s *Store) recordShards(ctx context.Context, x shardedIndex, configured int, use shardUse, now time.Time, u *stateUpdate) error {
	empty := false
	if use.recorded > configured {
		var err error
		if empty, err = s.shardsEmpty(ctx, x, configured, use.recorded); err != nil {
			return err
		}
	}
	switch {
	case use.recorded <= configured || (empty && !use.emptySince.IsZero() && !now.Before(use.emptySince.Add(retireGrace))):
		if use.recorded != configured {
			u.set(x.countAttr, configured)
		}
		if !use.emptySince.IsZero() {
			u.remove(x.emptySinceAttr)
		}
	case empty && use.emptySince.IsZero():
		u.set(x.emptySinceAttr, formatTime(now))
	case !empty && !use.emptySince.IsZero():
		u.remove(x.emptySinceAttr)
	}
	return nil
}

// shardsEmpty reports whether shards from..to-1 of x hold no entry.
func (s *Store) shardsEmpty(ctx context.Context, x shardedIndex, from, to int) (bool, error) {
	for i := from; i < to; i++ {
		expr, err := expression.NewBuilder().WithKeyCondition(expression.Key(x.partitionAttr).Equal(expression.Value(x.partition(i)))).Build()
		if err != nil {
			return false, fmt.Errorf("build expression: %w", err)
		}
		out, err := s.db.Query(ctx, &dynamo.QueryInput{
			TableName: &s.cfg.TableName, IndexName: aws.String(x.name), Limit: aws.Int32(1),
			KeyConditionExpression: expr.KeyCondition(), ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
		})
		if err != nil {
			return false, translate("look into retired shard", x.partition(i), err, nil)
		}
		if len(out.Items) > 0 {
			return false, nil
		}
	}
	return true, nil
}
