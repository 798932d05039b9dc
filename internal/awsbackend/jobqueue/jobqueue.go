// Package jobqueue builds Jobline's SQS queue (the job queues and their
// dead-letter queue) from an SDK configuration and awsenv.Config, alone or
// with the store. It is a package of its own so that a Lambda function
// links the SQS client only if it uses the queue.
package jobqueue

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"jobline/internal/awsbackend/awsenv"
	"jobline/internal/awsbackend/jobstore"
	"jobline/internal/jobs/dynamostore"
	"jobline/internal/queue/sqsqueue"
)

// New returns the queue of c's queues on client.
func New(client *sqs.Client, c awsenv.Config) (*sqsqueue.Queue, error) {
	return sqsqueue.New(client, sqsqueue.Config{
		QueueURL:           c.QueueURL,
		HighQueueURL:       c.HighQueueURL,
		DeadLetterQueueURL: c.DeadLetterQueueURL,
		MaxReceiveCount:    c.MaxReceiveCount,
	})
}

// OpenStoreAndQueue returns the store and the queue, each on a client of
// its own: what every function that moves jobs along uses (createjob,
// processjob, reconcile, dlqredrive).
func OpenStoreAndQueue(awsCfg aws.Config, c awsenv.Config) (*dynamostore.Store, *sqsqueue.Queue, error) {
	store, err := jobstore.New(dynamodb.NewFromConfig(awsCfg), c)
	if err != nil {
		return nil, nil, err
	}
	q, err := New(sqs.NewFromConfig(awsCfg), c)
	if err != nil {
		return nil, nil, err
	}
	return store, q, nil
}
