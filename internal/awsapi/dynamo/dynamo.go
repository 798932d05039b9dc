// Package dynamo is Jobline's DynamoDB client: the operations the store
// uses, on awsapi's JSON 1.0 client, with the SDK's shape types (shapes.go
// copies its inputs and outputs; package types is the SDK's own).
package dynamo

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"jobline/internal/awsapi"
)

// Service is DynamoDB as awsapi calls it.
var Service = awsapi.JSONService{
	Service:      awsapi.Service{ID: "DynamoDB", SigningName: "dynamodb"},
	TargetPrefix: "DynamoDB_20120810",
	Modelled:     modelled,
}

// modelled returns the SDK's type of the errors callers test for.
func modelled(code string) error {
	switch code {
	case "ConditionalCheckFailedException":
		return &types.ConditionalCheckFailedException{}
	case "TransactionCanceledException":
		return &types.TransactionCanceledException{}
	case "ResourceNotFoundException":
		return &types.ResourceNotFoundException{}
	case "ResourceInUseException":
		return &types.ResourceInUseException{}
	case "ProvisionedThroughputExceededException":
		return &types.ProvisionedThroughputExceededException{}
	case "TransactionConflictException":
		return &types.TransactionConflictException{}
	}
	return nil
}

// Client calls DynamoDB. It is safe for concurrent use.
type Client struct{ json *awsapi.JSONClient }

// New returns a client configured by cfg (awsapi.NewClient).
func New(ctx context.Context, cfg aws.Config, opts awsapi.Options) (*Client, error) {
	c, err := awsapi.NewJSONClient(ctx, Service, cfg, opts)
	if err != nil {
		return nil, err
	}
	return &Client{json: c}, nil
}

// PutItem writes an item.
func (c *Client) PutItem(ctx context.Context, in *PutItemInput) (*PutItemOutput, error) {
	return awsapi.Invoke[PutItemOutput](ctx, c.json, "PutItem", in)
}

// GetItem reads an item.
func (c *Client) GetItem(ctx context.Context, in *GetItemInput) (*GetItemOutput, error) {
	return awsapi.Invoke[GetItemOutput](ctx, c.json, "GetItem", in)
}

// UpdateItem updates an item.
func (c *Client) UpdateItem(ctx context.Context, in *UpdateItemInput) (*UpdateItemOutput, error) {
	return awsapi.Invoke[UpdateItemOutput](ctx, c.json, "UpdateItem", in)
}

// DeleteItem deletes an item.
func (c *Client) DeleteItem(ctx context.Context, in *DeleteItemInput) (*DeleteItemOutput, error) {
	return awsapi.Invoke[DeleteItemOutput](ctx, c.json, "DeleteItem", in)
}

// Query reads a page of a partition of the table or an index.
func (c *Client) Query(ctx context.Context, in *QueryInput) (*QueryOutput, error) {
	return awsapi.Invoke[QueryOutput](ctx, c.json, "Query", in)
}

// BatchGetItem reads up to 100 items.
func (c *Client) BatchGetItem(ctx context.Context, in *BatchGetItemInput) (*BatchGetItemOutput, error) {
	return awsapi.Invoke[BatchGetItemOutput](ctx, c.json, "BatchGetItem", in)
}

// TransactWriteItems writes up to 100 items in one transaction.
func (c *Client) TransactWriteItems(ctx context.Context, in *TransactWriteItemsInput) (*TransactWriteItemsOutput, error) {
	return awsapi.Invoke[TransactWriteItemsOutput](ctx, c.json, "TransactWriteItems", in)
}
