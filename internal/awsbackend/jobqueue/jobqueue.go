// Package jobqueue builds Jobline's SQS queue (the job queues and their
// dead-letter queue) from an SDK configuration and awsenv.Config. It is a
// package of its own so that a Lambda function links the SQS client only if
// it uses the queue.
package jobqueue

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"jobline/internal/awsbackend/awsenv"
	"jobline/internal/queue/sqsqueue"
)

// Client returns an SQS client on awsCfg.
func Client(awsCfg aws.Config) *sqs.Client { return sqs.NewFromConfig(awsCfg) }

// New returns the queue of c's queues on client.
func New(client *sqs.Client, c awsenv.Config) (*sqsqueue.Queue, error) {
	return sqsqueue.New(client, sqsqueue.Config{
		QueueURL:           c.QueueURL,
		HighQueueURL:       c.HighQueueURL,
		DeadLetterQueueURL: c.DeadLetterQueueURL,
		MaxReceiveCount:    c.MaxReceiveCount,
	})
}

// Open returns the queue on a client of its own.
func Open(awsCfg aws.Config, c awsenv.Config) (*sqsqueue.Queue, error) {
	return New(Client(awsCfg), c)
}
