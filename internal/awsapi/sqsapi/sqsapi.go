// Package sqsapi is Jobline's SQS client: the operations the queue uses, on
// awsapi's JSON 1.0 client, with the SDK's shape types (shapes.go copies
// its inputs and outputs; package types is the SDK's own).
package sqsapi

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"jobline/internal/awsapi"
)

// Service is SQS as awsapi calls it.
var Service = awsapi.JSONService{
	Service:         awsapi.Service{ID: "SQS", SigningName: "sqs"},
	TargetPrefix:    "AmazonSQS",
	QueryCompatible: true,
	Modelled:        modelled,
}

// modelled returns the SDK's type of the errors callers test for.
func modelled(code string) error {
	switch code {
	case "ReceiptHandleIsInvalid":
		return &types.ReceiptHandleIsInvalid{}
	case "MessageNotInflight":
		return &types.MessageNotInflight{}
	case "InvalidAttributeValue":
		return &types.InvalidAttributeValue{}
	case "BatchRequestTooLong":
		return &types.BatchRequestTooLong{}
	case "InvalidMessageContents":
		return &types.InvalidMessageContents{}
	case "QueueDoesNotExist":
		return &types.QueueDoesNotExist{}
	}
	return nil
}

// Client calls SQS. It is safe for concurrent use.
type Client struct{ json *awsapi.JSONClient }

// New returns a client configured by cfg (awsapi.NewClient).
func New(ctx context.Context, cfg aws.Config, opts awsapi.Options) (*Client, error) {
	c, err := awsapi.NewJSONClient(ctx, Service, cfg, opts)
	if err != nil {
		return nil, err
	}
	return &Client{json: c}, nil
}

// SendMessage sends a message.
func (c *Client) SendMessage(ctx context.Context, in *SendMessageInput) (*SendMessageOutput, error) {
	return awsapi.Invoke[SendMessageOutput](ctx, c.json, "SendMessage", in)
}

// SendMessageBatch sends up to 10 messages.
func (c *Client) SendMessageBatch(ctx context.Context, in *SendMessageBatchInput) (*SendMessageBatchOutput, error) {
	return awsapi.Invoke[SendMessageBatchOutput](ctx, c.json, "SendMessageBatch", in)
}

// ReceiveMessage receives up to 10 messages.
func (c *Client) ReceiveMessage(ctx context.Context, in *ReceiveMessageInput) (*ReceiveMessageOutput, error) {
	return awsapi.Invoke[ReceiveMessageOutput](ctx, c.json, "ReceiveMessage", in)
}

// DeleteMessage deletes a received message.
func (c *Client) DeleteMessage(ctx context.Context, in *DeleteMessageInput) (*DeleteMessageOutput, error) {
	return awsapi.Invoke[DeleteMessageOutput](ctx, c.json, "DeleteMessage", in)
}

// DeleteMessageBatch deletes up to 10 received messages.
func (c *Client) DeleteMessageBatch(ctx context.Context, in *DeleteMessageBatchInput) (*DeleteMessageBatchOutput, error) {
	return awsapi.Invoke[DeleteMessageBatchOutput](ctx, c.json, "DeleteMessageBatch", in)
}

// ChangeMessageVisibility changes a received message's visibility timeout.
func (c *Client) ChangeMessageVisibility(ctx context.Context, in *ChangeMessageVisibilityInput) (*ChangeMessageVisibilityOutput, error) {
	return awsapi.Invoke[ChangeMessageVisibilityOutput](ctx, c.json, "ChangeMessageVisibility", in)
}

// ChangeMessageVisibilityBatch changes up to 10 messages' visibility.
func (c *Client) ChangeMessageVisibilityBatch(ctx context.Context, in *ChangeMessageVisibilityBatchInput) (*ChangeMessageVisibilityBatchOutput, error) {
	return awsapi.Invoke[ChangeMessageVisibilityBatchOutput](ctx, c.json, "ChangeMessageVisibilityBatch", in)
}

// GetQueueAttributes reads a queue's attributes.
func (c *Client) GetQueueAttributes(ctx context.Context, in *GetQueueAttributesInput) (*GetQueueAttributesOutput, error) {
	return awsapi.Invoke[GetQueueAttributesOutput](ctx, c.json, "GetQueueAttributes", in)
}
