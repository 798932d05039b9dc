// Package jobstore builds Jobline's DynamoDB store from an SDK configuration
// and awsenv.Config. It is a package of its own so that a Lambda function
// links the DynamoDB client only if it uses the store.
package jobstore

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"

	"jobline/internal/awsapi"
	"jobline/internal/awsapi/dynamo"
	"jobline/internal/awsbackend/awsenv"
	"jobline/internal/jobs/dynamostore"
)

// Client returns a DynamoDB client on awsCfg with c's hooks.
func Client(ctx context.Context, awsCfg aws.Config, c awsenv.Config) (*dynamo.Client, error) {
	return dynamo.New(ctx, awsCfg, awsapi.Options{Hooks: c.Hooks})
}

// Open returns the store of c's table on a client of its own.
func Open(ctx context.Context, awsCfg aws.Config, c awsenv.Config) (*dynamostore.Store, error) {
	client, err := Client(ctx, awsCfg, c)
	if err != nil {
		return nil, err
	}
	return New(client, c)
}

// New returns the store of c's table on client.
func New(client *dynamo.Client, c awsenv.Config) (*dynamostore.Store, error) {
	return dynamostore.New(client, Config(c))
}

// Config is the store configuration c describes: its table, retention and
// shard counts.
func Config(c awsenv.Config) dynamostore.Config {
	return dynamostore.Config{
		TableName: c.TableName, Retention: c.JobRetention,
		CreationShards: c.CreationShards, SweepShards: c.SweepShards,
	}
}
