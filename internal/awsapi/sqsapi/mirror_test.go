package sqsapi_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"jobline/internal/awsapi/shapetest"
	"jobline/internal/awsapi/sqsapi"
)

// mirrors pairs each input and output of shapes.go with the SDK's.
var mirrors = [][2]any{
	{sqsapi.SendMessageInput{}, sqs.SendMessageInput{}},
	{sqsapi.SendMessageOutput{}, sqs.SendMessageOutput{}},
	{sqsapi.SendMessageBatchInput{}, sqs.SendMessageBatchInput{}},
	{sqsapi.SendMessageBatchOutput{}, sqs.SendMessageBatchOutput{}},
	{sqsapi.ReceiveMessageInput{}, sqs.ReceiveMessageInput{}},
	{sqsapi.ReceiveMessageOutput{}, sqs.ReceiveMessageOutput{}},
	{sqsapi.DeleteMessageInput{}, sqs.DeleteMessageInput{}},
	{sqsapi.DeleteMessageOutput{}, sqs.DeleteMessageOutput{}},
	{sqsapi.DeleteMessageBatchInput{}, sqs.DeleteMessageBatchInput{}},
	{sqsapi.DeleteMessageBatchOutput{}, sqs.DeleteMessageBatchOutput{}},
	{sqsapi.ChangeMessageVisibilityInput{}, sqs.ChangeMessageVisibilityInput{}},
	{sqsapi.ChangeMessageVisibilityOutput{}, sqs.ChangeMessageVisibilityOutput{}},
	{sqsapi.ChangeMessageVisibilityBatchInput{}, sqs.ChangeMessageVisibilityBatchInput{}},
	{sqsapi.ChangeMessageVisibilityBatchOutput{}, sqs.ChangeMessageVisibilityBatchOutput{}},
	{sqsapi.GetQueueAttributesInput{}, sqs.GetQueueAttributesInput{}},
	{sqsapi.GetQueueAttributesOutput{}, sqs.GetQueueAttributesOutput{}},
}

// TestTypesMirrorTheSDK checks that shapes.go's types mirror the SDK's
// (shapetest.Mirror): their fields are of the SDK's very types.
func TestTypesMirrorTheSDK(t *testing.T) {
	t.Parallel()
	shapetest.Mirror(t, mirrors, "shapes.go")
}
