package dynamostore

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"jobline/internal/jobs"
)

// cursor is the position after the last job of a page: the GSI1 key of
// that job plus the table key, which DynamoDB needs to resume a query on
// an index.
type cursor struct {
	PK     string `json:"p"`
	GSI1SK string `json:"s"`
}

func encodeCursor(j jobs.Job) string {
	b, _ := json.Marshal(cursor{PK: jobPK(j.ID), GSI1SK: ownerSortKey(j.CreatedAt, j.ID)})
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor checks that s is a cursor this store issued for owner's
// listing and returns the ExclusiveStartKey it stands for.
func decodeCursor(s, owner string) (map[string]types.AttributeValue, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", jobs.ErrInvalidCursor, err)
	}
	var c cursor
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("%w: %v", jobs.ErrInvalidCursor, err)
	}
	id, ok := strings.CutPrefix(c.PK, jobPrefix)
	if !ok || id == "" || !strings.HasSuffix(c.GSI1SK, "#"+id) {
		return nil, jobs.ErrInvalidCursor
	}
	if _, err := parseTime(strings.TrimSuffix(c.GSI1SK, "#"+id)); err != nil {
		return nil, fmt.Errorf("%w: %v", jobs.ErrInvalidCursor, err)
	}
	return map[string]types.AttributeValue{
		"PK":     &types.AttributeValueMemberS{Value: c.PK},
		"SK":     &types.AttributeValueMemberS{Value: jobSK},
		"GSI1PK": &types.AttributeValueMemberS{Value: ownerPrefix + owner},
		"GSI1SK": &types.AttributeValueMemberS{Value: c.GSI1SK},
	}, nil
}

// List queries GSI1 newest first, filtering by status and job type, until
// the page is full or the owner's jobs run out. It reads one job past the
// page so that the last page has no cursor.
func (s *Store) List(ctx context.Context, q jobs.ListQuery) (jobs.Page, error) {
	if q.Limit < 1 || q.Limit > 100 {
		return jobs.Page{}, fmt.Errorf("list jobs: limit %d is not in 1..100", q.Limit)
	}
	var start map[string]types.AttributeValue
	if q.Cursor != "" {
		var err error
		if start, err = decodeCursor(q.Cursor, q.Owner); err != nil {
			return jobs.Page{}, fmt.Errorf("list jobs: %w", err)
		}
	}
	b := expression.NewBuilder().WithKeyCondition(
		expression.Key("GSI1PK").Equal(expression.Value(ownerPrefix + q.Owner)))
	var filter []expression.ConditionBuilder
	if q.Status != "" {
		filter = append(filter, attrStatus.Equal(expression.Value(string(q.Status))))
	}
	if q.JobType != "" {
		filter = append(filter, expression.Name("JobType").Equal(expression.Value(q.JobType)))
	}
	switch len(filter) {
	case 1:
		b = b.WithFilter(filter[0])
	case 2:
		b = b.WithFilter(expression.And(filter[0], filter[1]))
	}
	expr, err := b.Build()
	if err != nil {
		return jobs.Page{}, fmt.Errorf("list jobs: build expression: %w", err)
	}
	want := q.Limit + 1
	page := jobs.Page{Jobs: []jobs.Job{}}
	for {
		out, err := s.db.Query(ctx, &dynamodb.QueryInput{
			TableName:                 &s.cfg.TableName,
			IndexName:                 aws.String(gsiByOwner),
			KeyConditionExpression:    expr.KeyCondition(),
			FilterExpression:          expr.Filter(),
			ExpressionAttributeNames:  expr.Names(),
			ExpressionAttributeValues: expr.Values(),
			ScanIndexForward:          aws.Bool(false),
			ExclusiveStartKey:         start,
			Limit:                     aws.Int32(int32(want - len(page.Jobs))),
		})
		if err != nil {
			return jobs.Page{}, translate("list", q.Owner, err, nil)
		}
		for _, av := range out.Items {
			j, err := decodeJob(av)
			if err != nil {
				return jobs.Page{}, fmt.Errorf("list jobs: %w", err)
			}
			page.Jobs = append(page.Jobs, j)
		}
		if len(page.Jobs) >= want || len(out.LastEvaluatedKey) == 0 {
			break
		}
		start = out.LastEvaluatedKey
	}
	if len(page.Jobs) > q.Limit {
		page.Jobs = page.Jobs[:q.Limit]
		page.NextCursor = encodeCursor(page.Jobs[q.Limit-1])
	}
	return page, nil
}

// ListDue queries every shard of the sparse sweep index (GSI2) for jobs due
// at or before before, and merges them oldest first. The index holds only
// jobs that are not final, so no filter is needed.
func (s *Store) ListDue(ctx context.Context, before time.Time, limit int) ([]jobs.Job, error) {
	if limit <= 0 {
		return nil, nil
	}
	var due []jobs.Job
	for shard := 0; shard < s.cfg.SweepShards; shard++ {
		expr, err := expression.NewBuilder().WithKeyCondition(expression.KeyAnd(
			expression.Key("GSI2PK").Equal(expression.Value(sweepPrefix+strconv.Itoa(shard))),
			expression.Key("GSI2SK").LessThanEqual(expression.Value(formatTime(before))),
		)).Build()
		if err != nil {
			return nil, fmt.Errorf("list due jobs: build expression: %w", err)
		}
		p := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{
			TableName:                 &s.cfg.TableName,
			IndexName:                 aws.String(gsiBySweep),
			KeyConditionExpression:    expr.KeyCondition(),
			ExpressionAttributeNames:  expr.Names(),
			ExpressionAttributeValues: expr.Values(),
			ScanIndexForward:          aws.Bool(true),
			Limit:                     aws.Int32(int32(limit)),
		})
		// The oldest limit jobs of each shard are enough for the merge.
		for n := 0; p.HasMorePages() && n < limit; {
			out, err := p.NextPage(ctx)
			if err != nil {
				return nil, translate("list due", "", err, nil)
			}
			for _, av := range out.Items {
				j, err := decodeJob(av)
				if err != nil {
					return nil, fmt.Errorf("list due jobs: %w", err)
				}
				if !j.Status.Final() { // the index may lag a final write
					due = append(due, j)
					n++
				}
			}
		}
	}
	sort.SliceStable(due, func(a, b int) bool {
		if !due[a].SweepAt.Equal(due[b].SweepAt) {
			return due[a].SweepAt.Before(due[b].SweepAt)
		}
		return due[a].ID < due[b].ID
	})
	if len(due) > limit {
		due = due[:limit]
	}
	return due, nil
}

// AddAsset writes the asset item in a transaction whose other half checks
// the lease on the job item, so a fenced-off worker cannot add assets.
func (s *Store) AddAsset(ctx context.Context, leaseToken string, a jobs.Asset) (jobs.Asset, error) {
	if a.ID == "" || a.JobID == "" {
		return jobs.Asset{}, fmt.Errorf("add asset: id and jobId are required")
	}
	it, err := s.newAssetItem(a)
	if err != nil {
		return jobs.Asset{}, fmt.Errorf("add asset to job %s: %w", a.JobID, err)
	}
	av, err := attributevalue.MarshalMap(it)
	if err != nil {
		return jobs.Asset{}, fmt.Errorf("add asset to job %s: marshal: %w", a.JobID, err)
	}
	check, err := expression.NewBuilder().WithCondition(expression.And(attrPK.AttributeExists(), holdsLease(leaseToken))).Build()
	if err != nil {
		return jobs.Asset{}, fmt.Errorf("add asset to job %s: build expression: %w", a.JobID, err)
	}
	fresh, err := expression.NewBuilder().WithCondition(attrPK.AttributeNotExists()).Build()
	if err != nil {
		return jobs.Asset{}, fmt.Errorf("add asset to job %s: build expression: %w", a.JobID, err)
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
		TransactItems: []types.TransactWriteItem{
			{ConditionCheck: &types.ConditionCheck{
				TableName:                           &s.cfg.TableName,
				Key:                                 jobKey(a.JobID),
				ConditionExpression:                 check.Condition(),
				ExpressionAttributeNames:            check.Names(),
				ExpressionAttributeValues:           check.Values(),
				ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
			}},
			{Put: &types.Put{
				TableName:                 &s.cfg.TableName,
				Item:                      av,
				ConditionExpression:       fresh.Condition(),
				ExpressionAttributeNames:  fresh.Names(),
				ExpressionAttributeValues: fresh.Values(),
			}},
		},
	})
	if err != nil {
		return jobs.Asset{}, translate("add asset", a.JobID, err, rejectFenced(leaseToken))
	}
	return a, nil
}

// ListAssets queries the job's partition (assets sort before the job item,
// ASSET# < JOB), oldest first. A missing job has no assets: like the
// in-memory store, that is an empty list, not an error; ownership is the
// caller's check.
func (s *Store) ListAssets(ctx context.Context, jobID string) ([]jobs.Asset, error) {
	expr, err := expression.NewBuilder().WithKeyCondition(
		expression.Key("PK").Equal(expression.Value(jobPK(jobID)))).Build()
	if err != nil {
		return nil, fmt.Errorf("list assets of job %s: build expression: %w", jobID, err)
	}
	p := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{
		TableName:                 &s.cfg.TableName,
		KeyConditionExpression:    expr.KeyCondition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	})
	assets := []jobs.Asset{}
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, translate("list assets of", jobID, err, nil)
		}
		for _, av := range out.Items {
			var it assetItem
			if err := attributevalue.UnmarshalMap(av, &it); err != nil {
				return nil, fmt.Errorf("list assets of job %s: unmarshal: %w", jobID, err)
			}
			if it.Kind != kindAsset {
				continue
			}
			a, err := it.asset()
			if err != nil {
				return nil, fmt.Errorf("list assets of job %s: %w", jobID, err)
			}
			assets = append(assets, a)
		}
	}
	return assets, nil
}
