package dynamostore

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"jobline/internal/awsapi/dynamo"
	"jobline/internal/jobs"
)

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
	_, err = s.db.TransactWriteItems(ctx, &dynamo.TransactWriteItemsInput{
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

// decodeAsset reads an asset item.
func decodeAsset(av map[string]types.AttributeValue) (jobs.Asset, error) {
	var it assetItem
	if err := attributevalue.UnmarshalMap(av, &it); err != nil {
		return jobs.Asset{}, fmt.Errorf("unmarshal: %w", err)
	}
	return it.asset()
}

// ListAssets queries the asset items of the job's partition, oldest
// first. A missing job has no assets: like the in-memory store, that is an
// empty list, not an error; ownership is the caller's check.
func (s *Store) ListAssets(ctx context.Context, jobID string) ([]jobs.Asset, error) {
	expr, err := expression.NewBuilder().WithKeyCondition(expression.KeyAnd(
		expression.Key("PK").Equal(expression.Value(jobPK(jobID))),
		expression.Key("SK").BeginsWith(assetPrefix))).Build()
	if err != nil {
		return nil, fmt.Errorf("list assets of job %s: build expression: %w", jobID, err)
	}
	in := &dynamo.QueryInput{
		TableName:                 &s.cfg.TableName,
		KeyConditionExpression:    expr.KeyCondition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	}
	assets := []jobs.Asset{}
	for {
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return nil, translate("list assets of", jobID, err, nil)
		}
		for _, av := range out.Items {
			a, err := decodeAsset(av)
			if err != nil {
				return nil, fmt.Errorf("list assets of job %s: %w", jobID, err)
			}
			assets = append(assets, a)
		}
		if len(out.LastEvaluatedKey) == 0 {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	return assets, nil
}
