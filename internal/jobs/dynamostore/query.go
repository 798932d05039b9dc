package dynamostore

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"jobline/internal/awsapi/dynamo"
	"jobline/internal/jobs"
)

// A list page is two requests: a Query of an index, which projects keys
// only, for the page's keys (one more than the page, to know whether
// another follows), and one BatchGetItem of the page's items. A filter
// (status, job type) cannot be applied to keys, so a filtered page
// examines up to listWindow keys and returns the jobs among them that
// match: possibly fewer than its limit, with a cursor after the last key
// it examined. Every page reads at most listWindow + 1 keys and
// listWindow items, whatever the owner holds.

// listWindow is how many keys a filtered page examines: BatchGetItem's
// most items.
const listWindow = 100

// cursor is the position after the last job a page examined: that job's
// creation key (GSI1SK). S is the cursor of an owner's list, A of a list
// of every owner's jobs; P, the job's table key, is what cursors of the
// earlier format carried and is checked when present.
type cursor struct {
	P string `json:"p,omitempty"`
	S string `json:"s,omitempty"`
	A string `json:"a,omitempty"`
}

func encodeCursor(key string, allOwners bool) string {
	c := cursor{S: key}
	if allOwners {
		c = cursor{A: key}
	}
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor checks that s is a cursor this store issued for a list of
// the same kind (one owner's, or every owner's) and returns the creation
// key the next page starts after.
func decodeCursor(s string, allOwners bool) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return "", fmt.Errorf("%w: %v", jobs.ErrInvalidCursor, err)
	}
	var c cursor
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil || dec.More() {
		return "", fmt.Errorf("%w: not a cursor of this store", jobs.ErrInvalidCursor)
	}
	key := c.S
	if allOwners {
		key = c.A
	}
	if key == "" || (c.S != "" && c.A != "") {
		return "", fmt.Errorf("%w: a cursor of another list", jobs.ErrInvalidCursor)
	}
	created, id, ok := cutCreationKey(key)
	if !ok || id == "" || (c.P != "" && c.P != jobPK(id)) {
		return "", jobs.ErrInvalidCursor
	}
	if _, err := parseTime(created); err != nil || len(created) != len(timeLayout) {
		return "", fmt.Errorf("%w: %v", jobs.ErrInvalidCursor, err)
	}
	return key, nil
}

// indexKey is a job's entry in the owner or creation index.
type indexKey struct {
	id      string
	created string // the creation key, GSI1SK
}

// List lists an owner's jobs newest first from the owner index (GSI1).
func (s *Store) List(ctx context.Context, q jobs.ListQuery) (jobs.Page, error) {
	after, err := startAfter(q, false)
	if err != nil {
		return jobs.Page{}, err
	}
	keys, more, err := s.queryKeys(ctx, gsiByOwner, "GSI1PK", ownerPrefix+q.Owner, after, pageWindow(q))
	if err != nil {
		return jobs.Page{}, fmt.Errorf("list jobs of %s: %w", q.Owner, err)
	}
	return s.page(ctx, q, keys, more, false)
}

// ListAll lists every owner's jobs newest first: one owner's from the
// owner index like List, everyone's by merging the shards of the creation
// index (GSI3): the sweep state item's read (which says how many shards
// are in use, shards.go), a Query a shard and one BatchGetItem a page.
func (s *Store) ListAll(ctx context.Context, q jobs.ListQuery) (jobs.Page, error) {
	if q.Owner != "" {
		return s.List(ctx, q)
	}
	after, err := startAfter(q, true)
	if err != nil {
		return jobs.Page{}, err
	}
	n, err := s.creationShardsToRead(ctx)
	if err != nil {
		return jobs.Page{}, fmt.Errorf("list all jobs: %w", err)
	}
	window := pageWindow(q)
	shards := make([][]indexKey, n)
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			shards[i], _, errs[i] = s.queryKeys(ctx, gsiByCreation, creationIndex.partitionAttr, creationIndex.partition(i), after, window)
		})
	}
	wg.Wait()
	var keys []indexKey
	for i, err := range errs {
		if err != nil {
			return jobs.Page{}, fmt.Errorf("list all jobs: %w", err)
		}
		keys = append(keys, shards[i]...)
	}
	slices.SortFunc(keys, func(a, b indexKey) int { return cmp.Compare(b.created, a.created) })
	more := len(keys) > window
	keys = keys[:min(len(keys), window)]
	return s.page(ctx, q, keys, more, true)
}

// startAfter checks q and returns the creation key its page starts after
// ("" for the first page).
func startAfter(q jobs.ListQuery, allOwners bool) (string, error) {
	if err := q.Validate(); err != nil {
		return "", err
	}
	if q.Cursor == "" {
		return "", nil
	}
	after, err := decodeCursor(q.Cursor, allOwners)
	if err != nil {
		return "", fmt.Errorf("list jobs: %w", err)
	}
	return after, nil
}

// pageWindow is how many keys a page reads: one more than its limit, or
// listWindow when a filter may skip some.
func pageWindow(q jobs.ListQuery) int {
	if q.Status != "" || q.JobType != "" {
		return max(listWindow, q.Limit+1)
	}
	return q.Limit + 1
}

// queryKeys reads up to limit keys of one partition of an index, newest
// first, after the creation key after ("" for the newest). more reports
// that the partition holds keys beyond them.
func (s *Store) queryKeys(ctx context.Context, index, partitionAttr, partition, after string, limit int) (keys []indexKey, more bool, err error) {
	cond := expression.Key(partitionAttr).Equal(expression.Value(partition))
	if after != "" {
		cond = expression.KeyAnd(cond, expression.Key("GSI1SK").LessThan(expression.Value(after)))
	}
	expr, err := expression.NewBuilder().WithKeyCondition(cond).Build()
	if err != nil {
		return nil, false, fmt.Errorf("build expression: %w", err)
	}
	out, err := s.db.Query(ctx, &dynamo.QueryInput{
		TableName:                 &s.cfg.TableName,
		IndexName:                 aws.String(index),
		KeyConditionExpression:    expr.KeyCondition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
		ScanIndexForward:          aws.Bool(false),
		Limit:                     aws.Int32(int32(limit)),
	})
	if err != nil {
		return nil, false, translate("list", partition, err, nil)
	}
	return keysOf(out)
}

// keysOf reads the job keys of a Query page of the owner or creation
// index; more reports that the partition holds keys beyond them.
func keysOf(out *dynamo.QueryOutput) (keys []indexKey, more bool, err error) {
	keys = make([]indexKey, 0, len(out.Items))
	for _, av := range out.Items {
		k, err := keyOf(av)
		if err != nil {
			return nil, false, err
		}
		keys = append(keys, k)
	}
	return keys, len(out.LastEvaluatedKey) > 0, nil
}

// keyOf reads an index entry's job ID and creation key.
func keyOf(av map[string]types.AttributeValue) (indexKey, error) {
	pk, _ := av["PK"].(*types.AttributeValueMemberS)
	created, _ := av["GSI1SK"].(*types.AttributeValueMemberS)
	if pk == nil || created == nil || !strings.HasPrefix(pk.Value, jobPrefix) {
		return indexKey{}, fmt.Errorf("index entry without a job key: %v", av)
	}
	return indexKey{id: strings.TrimPrefix(pk.Value, jobPrefix), created: created.Value}, nil
}

// page reads the jobs of keys (newest first) with one BatchGetItem and
// makes q's page of them: the jobs that match its filters, up to its
// limit. more says that keys beyond these exist. A key whose item
// DynamoDB left unprocessed ends the page early; a key whose item is gone
// (expired since the index was read) is skipped.
func (s *Store) page(ctx context.Context, q jobs.ListQuery, keys []indexKey, more, allOwners bool) (jobs.Page, error) {
	examine := keys
	if q.Status == "" && q.JobType == "" {
		examine = examine[:min(len(examine), q.Limit)]
	}
	examine = examine[:min(len(examine), listWindow)]
	more = more || len(examine) < len(keys)
	items, unprocessed, err := s.batchGet(ctx, examine)
	if err != nil {
		return jobs.Page{}, fmt.Errorf("list jobs: %w", err)
	}
	page := jobs.Page{Jobs: []jobs.Job{}}
	last := ""
	for i, k := range examine {
		if unprocessed[k.id] {
			if i == 0 {
				return jobs.Page{}, fmt.Errorf("list jobs: %w: no item of the page was read", jobs.ErrUnavailable)
			}
			more = true
			break
		}
		last = k.created
		if av, ok := items[k.id]; ok {
			j, err := decodeJob(av)
			if err != nil {
				return jobs.Page{}, fmt.Errorf("list jobs: %w", err)
			}
			if matches(j, q) {
				page.Jobs = append(page.Jobs, j)
			}
		}
		if len(page.Jobs) == q.Limit {
			more = more || i < len(examine)-1
			break
		}
	}
	if more && last != "" {
		page.NextCursor = encodeCursor(last, allOwners)
	}
	return page, nil
}

// matches applies q's filters to j.
func matches(j jobs.Job, q jobs.ListQuery) bool {
	return (q.Owner == "" || j.Owner == q.Owner) && (q.Status == "" || j.Status == q.Status) && (q.JobType == "" || j.JobType == q.JobType)
}

// batchGet reads the items of keys (at most 100) in one eventually
// consistent BatchGetItem. Items DynamoDB did not return for lack of
// capacity or response size are in unprocessed; missing items are in
// neither map.
func (s *Store) batchGet(ctx context.Context, keys []indexKey) (items map[string]map[string]types.AttributeValue, unprocessed map[string]bool, err error) {
	items, unprocessed = map[string]map[string]types.AttributeValue{}, map[string]bool{}
	if len(keys) == 0 {
		return items, unprocessed, nil
	}
	req := types.KeysAndAttributes{Keys: make([]map[string]types.AttributeValue, len(keys))}
	for i, k := range keys {
		req.Keys[i] = jobKey(k.id)
	}
	out, err := s.db.BatchGetItem(ctx, &dynamo.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{s.cfg.TableName: req}})
	if err != nil {
		return nil, nil, translate("batch get", "", err, nil)
	}
	for _, av := range out.Responses[s.cfg.TableName] {
		if pk, ok := av["PK"].(*types.AttributeValueMemberS); ok {
			items[strings.TrimPrefix(pk.Value, jobPrefix)] = av
		}
	}
	for _, key := range out.UnprocessedKeys[s.cfg.TableName].Keys {
		if pk, ok := key["PK"].(*types.AttributeValueMemberS); ok {
			unprocessed[strings.TrimPrefix(pk.Value, jobPrefix)] = true
		}
	}
	return items, unprocessed, nil
}
