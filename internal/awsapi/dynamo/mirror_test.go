package dynamo_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"jobline/internal/awsapi/dynamo"
	"jobline/internal/awsapi/shapetest"
)

// mirrors pairs each input and output of shapes.go with the SDK's.
var mirrors = [][2]any{
	{dynamo.PutItemInput{}, dynamodb.PutItemInput{}},
	{dynamo.PutItemOutput{}, dynamodb.PutItemOutput{}},
	{dynamo.GetItemInput{}, dynamodb.GetItemInput{}},
	{dynamo.GetItemOutput{}, dynamodb.GetItemOutput{}},
	{dynamo.UpdateItemInput{}, dynamodb.UpdateItemInput{}},
	{dynamo.UpdateItemOutput{}, dynamodb.UpdateItemOutput{}},
	{dynamo.DeleteItemInput{}, dynamodb.DeleteItemInput{}},
	{dynamo.DeleteItemOutput{}, dynamodb.DeleteItemOutput{}},
	{dynamo.QueryInput{}, dynamodb.QueryInput{}},
	{dynamo.QueryOutput{}, dynamodb.QueryOutput{}},
	{dynamo.BatchGetItemInput{}, dynamodb.BatchGetItemInput{}},
	{dynamo.BatchGetItemOutput{}, dynamodb.BatchGetItemOutput{}},
	{dynamo.TransactWriteItemsInput{}, dynamodb.TransactWriteItemsInput{}},
	{dynamo.TransactWriteItemsOutput{}, dynamodb.TransactWriteItemsOutput{}},
}

// TestTypesMirrorTheSDK checks that shapes.go's types mirror the SDK's
// (shapetest.Mirror): their fields are of the SDK's very types.
func TestTypesMirrorTheSDK(t *testing.T) {
	t.Parallel()
	shapetest.Mirror(t, mirrors, "shapes.go")
}
