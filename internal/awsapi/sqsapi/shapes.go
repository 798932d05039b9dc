// Code generated from the AWS SDK for Go v2's sqs v1.48.1 operations' inputs and outputs by
// scripts/awsapi/gen_types.py; DO NOT EDIT.

package sqsapi

import (
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// SendMessageInput is the SDK's sqs.SendMessageInput, field for field (awsjson encodes it).
type SendMessageInput struct {
	MessageBody             *string
	QueueUrl                *string
	DelaySeconds            int32
	MessageAttributes       map[string]types.MessageAttributeValue
	MessageDeduplicationId  *string
	MessageGroupId          *string
	MessageSystemAttributes map[string]types.MessageSystemAttributeValue
}

// SendMessageOutput is the SDK's sqs.SendMessageOutput, field for field (awsjson encodes it).
type SendMessageOutput struct {
	MD5OfMessageAttributes       *string
	MD5OfMessageBody             *string
	MD5OfMessageSystemAttributes *string
	MessageId                    *string
	SequenceNumber               *string
}

// SendMessageBatchInput is the SDK's sqs.SendMessageBatchInput, field for field (awsjson encodes it).
type SendMessageBatchInput struct {
	Entries  []types.SendMessageBatchRequestEntry
	QueueUrl *string
}

// SendMessageBatchOutput is the SDK's sqs.SendMessageBatchOutput, field for field (awsjson encodes it).
type SendMessageBatchOutput struct {
	Failed     []types.BatchResultErrorEntry
	Successful []types.SendMessageBatchResultEntry
}

// ReceiveMessageInput is the SDK's sqs.ReceiveMessageInput, field for field (awsjson encodes it).
type ReceiveMessageInput struct {
	QueueUrl                    *string
	AttributeNames              []types.QueueAttributeName
	MaxNumberOfMessages         int32
	MessageAttributeNames       []string
	MessageSystemAttributeNames []types.MessageSystemAttributeName
	ReceiveRequestAttemptId     *string
	VisibilityTimeout           int32
	WaitTimeSeconds             int32
}

// ReceiveMessageOutput is the SDK's sqs.ReceiveMessageOutput, field for field (awsjson encodes it).
type ReceiveMessageOutput struct {
	Messages []types.Message
}

// DeleteMessageInput is the SDK's sqs.DeleteMessageInput, field for field (awsjson encodes it).
type DeleteMessageInput struct {
	QueueUrl      *string
	ReceiptHandle *string
}

// DeleteMessageOutput is the SDK's sqs.DeleteMessageOutput, field for field (awsjson encodes it).
type DeleteMessageOutput struct {
}

// DeleteMessageBatchInput is the SDK's sqs.DeleteMessageBatchInput, field for field (awsjson encodes it).
type DeleteMessageBatchInput struct {
	Entries  []types.DeleteMessageBatchRequestEntry
	QueueUrl *string
}

// DeleteMessageBatchOutput is the SDK's sqs.DeleteMessageBatchOutput, field for field (awsjson encodes it).
type DeleteMessageBatchOutput struct {
	Failed     []types.BatchResultErrorEntry
	Successful []types.DeleteMessageBatchResultEntry
}

// ChangeMessageVisibilityInput is the SDK's sqs.ChangeMessageVisibilityInput, field for field (awsjson encodes it).
type ChangeMessageVisibilityInput struct {
	QueueUrl          *string
	ReceiptHandle     *string
	VisibilityTimeout int32
}

// ChangeMessageVisibilityOutput is the SDK's sqs.ChangeMessageVisibilityOutput, field for field (awsjson encodes it).
type ChangeMessageVisibilityOutput struct {
}

// ChangeMessageVisibilityBatchInput is the SDK's sqs.ChangeMessageVisibilityBatchInput, field for field (awsjson encodes it).
type ChangeMessageVisibilityBatchInput struct {
	Entries  []types.ChangeMessageVisibilityBatchRequestEntry
	QueueUrl *string
}

// ChangeMessageVisibilityBatchOutput is the SDK's sqs.ChangeMessageVisibilityBatchOutput, field for field (awsjson encodes it).
type ChangeMessageVisibilityBatchOutput struct {
	Failed     []types.BatchResultErrorEntry
	Successful []types.ChangeMessageVisibilityBatchResultEntry
}

// GetQueueAttributesInput is the SDK's sqs.GetQueueAttributesInput, field for field (awsjson encodes it).
type GetQueueAttributesInput struct {
	QueueUrl       *string
	AttributeNames []types.QueueAttributeName
}

// GetQueueAttributesOutput is the SDK's sqs.GetQueueAttributesOutput, field for field (awsjson encodes it).
type GetQueueAttributesOutput struct {
	Attributes map[string]string
}
