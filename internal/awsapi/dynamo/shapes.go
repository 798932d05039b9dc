// Code generated from the AWS SDK for Go v2's dynamodb v1.68.0 operations' inputs and outputs by
// scripts/awsapi/gen_types.py; DO NOT EDIT.

package dynamo

import (
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// PutItemInput is the SDK's dynamodb.PutItemInput, field for field (awsjson encodes it).
type PutItemInput struct {
	Item                                map[string]types.AttributeValue
	TableName                           *string
	ConditionExpression                 *string
	ConditionalOperator                 types.ConditionalOperator
	Expected                            map[string]types.ExpectedAttributeValue
	ExpressionAttributeNames            map[string]string
	ExpressionAttributeValues           map[string]types.AttributeValue
	ReturnConsumedCapacity              types.ReturnConsumedCapacity
	ReturnItemCollectionMetrics         types.ReturnItemCollectionMetrics
	ReturnValues                        types.ReturnValue
	ReturnValuesOnConditionCheckFailure types.ReturnValuesOnConditionCheckFailure
}

// PutItemOutput is the SDK's dynamodb.PutItemOutput, field for field (awsjson encodes it).
type PutItemOutput struct {
	Attributes            map[string]types.AttributeValue
	ConsumedCapacity      *types.ConsumedCapacity
	ItemCollectionMetrics *types.ItemCollectionMetrics
}

// GetItemInput is the SDK's dynamodb.GetItemInput, field for field (awsjson encodes it).
type GetItemInput struct {
	Key                      map[string]types.AttributeValue
	TableName                *string
	AttributesToGet          []string
	ConsistentRead           *bool
	ExpressionAttributeNames map[string]string
	ProjectionExpression     *string
	ReturnConsumedCapacity   types.ReturnConsumedCapacity
}

// GetItemOutput is the SDK's dynamodb.GetItemOutput, field for field (awsjson encodes it).
type GetItemOutput struct {
	ConsumedCapacity *types.ConsumedCapacity
	Item             map[string]types.AttributeValue
}

// UpdateItemInput is the SDK's dynamodb.UpdateItemInput, field for field (awsjson encodes it).
type UpdateItemInput struct {
	Key                                 map[string]types.AttributeValue
	TableName                           *string
	AttributeUpdates                    map[string]types.AttributeValueUpdate
	ConditionExpression                 *string
	ConditionalOperator                 types.ConditionalOperator
	Expected                            map[string]types.ExpectedAttributeValue
	ExpressionAttributeNames            map[string]string
	ExpressionAttributeValues           map[string]types.AttributeValue
	ReturnConsumedCapacity              types.ReturnConsumedCapacity
	ReturnItemCollectionMetrics         types.ReturnItemCollectionMetrics
	ReturnValues                        types.ReturnValue
	ReturnValuesOnConditionCheckFailure types.ReturnValuesOnConditionCheckFailure
	UpdateExpression                    *string
}

// UpdateItemOutput is the SDK's dynamodb.UpdateItemOutput, field for field (awsjson encodes it).
type UpdateItemOutput struct {
	Attributes            map[string]types.AttributeValue
	ConsumedCapacity      *types.ConsumedCapacity
	ItemCollectionMetrics *types.ItemCollectionMetrics
}

// DeleteItemInput is the SDK's dynamodb.DeleteItemInput, field for field (awsjson encodes it).
type DeleteItemInput struct {
	Key                                 map[string]types.AttributeValue
	TableName                           *string
	ConditionExpression                 *string
	ConditionalOperator                 types.ConditionalOperator
	Expected                            map[string]types.ExpectedAttributeValue
	ExpressionAttributeNames            map[string]string
	ExpressionAttributeValues           map[string]types.AttributeValue
	ReturnConsumedCapacity              types.ReturnConsumedCapacity
	ReturnItemCollectionMetrics         types.ReturnItemCollectionMetrics
	ReturnValues                        types.ReturnValue
	ReturnValuesOnConditionCheckFailure types.ReturnValuesOnConditionCheckFailure
}

// DeleteItemOutput is the SDK's dynamodb.DeleteItemOutput, field for field (awsjson encodes it).
type DeleteItemOutput struct {
	Attributes            map[string]types.AttributeValue
	ConsumedCapacity      *types.ConsumedCapacity
	ItemCollectionMetrics *types.ItemCollectionMetrics
}

// QueryInput is the SDK's dynamodb.QueryInput, field for field (awsjson encodes it).
type QueryInput struct {
	TableName                 *string
	AttributesToGet           []string
	ConditionalOperator       types.ConditionalOperator
	ConsistentRead            *bool
	ExclusiveStartKey         map[string]types.AttributeValue
	ExpressionAttributeNames  map[string]string
	ExpressionAttributeValues map[string]types.AttributeValue
	FilterExpression          *string
	IndexName                 *string
	KeyConditionExpression    *string
	KeyConditions             map[string]types.Condition
	Limit                     *int32
	ProjectionExpression      *string
	QueryFilter               map[string]types.Condition
	ReturnConsumedCapacity    types.ReturnConsumedCapacity
	ScanIndexForward          *bool
	Select                    types.Select
}

// QueryOutput is the SDK's dynamodb.QueryOutput, field for field (awsjson encodes it).
type QueryOutput struct {
	ConsumedCapacity *types.ConsumedCapacity
	Count            int32
	Items            []map[string]types.AttributeValue
	LastEvaluatedKey map[string]types.AttributeValue
	ScannedCount     int32
}

// BatchGetItemInput is the SDK's dynamodb.BatchGetItemInput, field for field (awsjson encodes it).
type BatchGetItemInput struct {
	RequestItems           map[string]types.KeysAndAttributes
	ReturnConsumedCapacity types.ReturnConsumedCapacity
}

// BatchGetItemOutput is the SDK's dynamodb.BatchGetItemOutput, field for field (awsjson encodes it).
type BatchGetItemOutput struct {
	ConsumedCapacity []types.ConsumedCapacity
	Responses        map[string][]map[string]types.AttributeValue
	UnprocessedKeys  map[string]types.KeysAndAttributes
}

// TransactWriteItemsInput is the SDK's dynamodb.TransactWriteItemsInput, field for field (awsjson encodes it).
type TransactWriteItemsInput struct {
	TransactItems               []types.TransactWriteItem
	ClientRequestToken          *string
	ReturnConsumedCapacity      types.ReturnConsumedCapacity
	ReturnItemCollectionMetrics types.ReturnItemCollectionMetrics
}

// TransactWriteItemsOutput is the SDK's dynamodb.TransactWriteItemsOutput, field for field (awsjson encodes it).
type TransactWriteItemsOutput struct {
	ConsumedCapacity      []types.ConsumedCapacity
	ItemCollectionMetrics map[string][]types.ItemCollectionMetrics
}
