package dynamostore

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
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
	if err := q.Validate(); err != nil {
		return jobs.Page{}, err
	}
	var start map[string]types.AttributeValue
	if q.Cursor != "" {
		var err error
		if start, err = decodeCursor(q.Cursor, q.Owner); err != nil {
			return jobs.Page{}, fmt.Errorf("list jobs: %w", err)
		}
	}
	expr, err := listExpression(q)
	if err != nil {
		return jobs.Page{}, fmt.Errorf("list jobs: build expression: %w", err)
	}
	found, err := s.queryByOwner(ctx, q.Owner, expr, start, q.Limit+1)
	if err != nil {
		return jobs.Page{}, err
	}
	page := jobs.Page{Jobs: found}
	if len(found) > q.Limit {
		page.Jobs = found[:q.Limit]
		page.NextCursor = encodeCursor(page.Jobs[q.Limit-1])
	}
	return page, nil
}

// listExpression selects q's jobs: the owner's partition of GSI1, filtered
// by status and job type when q names them.
func listExpression(q jobs.ListQuery) (expression.Expression, error) {
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
	return b.Build()
}

// queryByOwner runs expr on GSI1 newest first, from start (nil: the
// newest), until it has want jobs or the owner's jobs run out. A filtered
// query page may hold fewer items than its Limit, hence the loop.
func (s *Store) queryByOwner(ctx context.Context, owner string, expr expression.Expression, start map[string]types.AttributeValue, want int) ([]jobs.Job, error) {
	found := []jobs.Job{}
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
			Limit:                     aws.Int32(int32(want - len(found))),
		})
		if err != nil {
			return nil, translate("list", owner, err, nil)
		}
		for _, av := range out.Items {
			j, err := decodeJob(av)
			if err != nil {
				return nil, fmt.Errorf("list jobs: %w", err)
			}
			found = append(found, j)
		}
		if len(found) >= want || len(out.LastEvaluatedKey) == 0 {
			return found, nil
		}
		start = out.LastEvaluatedKey
	}
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

// ErrListAllUnsupported: this store cannot list every owner's jobs yet (it
// needs an index of all jobs by creation time).
var ErrListAllUnsupported = errors.New("dynamostore: listing every owner's jobs is not supported yet")

// ListAll lists q.Owner's jobs like List; without an owner it fails with
// ErrListAllUnsupported.
func (s *Store) ListAll(ctx context.Context, q jobs.ListQuery) (jobs.Page, error) {
	if q.Owner == "" {
		return jobs.Page{}, ErrListAllUnsupported
	}
	return s.List(ctx, q)
}
