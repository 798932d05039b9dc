// Package jobstore builds Jobline's DynamoDB store from an SDK
// configuration and awsenv.Config. It is a package of its own so that a
// Lambda function links the DynamoDB client only if it uses the store.
package jobstore

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"jobline/internal/awsbackend/awsenv"
	"jobline/internal/jobs/dynamostore"
)

// Client returns a DynamoDB client on awsCfg.
func Client(awsCfg aws.Config) *dynamodb.Client { return dynamodb.NewFromConfig(awsCfg) }

// New returns the store of c's table on client.
func New(client *dynamodb.Client, c awsenv.Config) (*dynamostore.Store, error) {
	return dynamostore.New(client, dynamostore.Config{TableName: c.TableName, Retention: c.JobRetention})
}

// Open returns the store on a client of its own: what a function that
// needs nothing else of DynamoDB calls.
func Open(awsCfg aws.Config, c awsenv.Config) (*dynamostore.Store, error) {
	return New(Client(awsCfg), c)
}
