// Package jobstore builds Jobline's DynamoDB store on a client, from
// awsenv.Config. It is a package of its own so that a Lambda function links
// the DynamoDB client only if it uses the store.
package jobstore

import (
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"jobline/internal/awsbackend/awsenv"
	"jobline/internal/jobs/dynamostore"
)

// New returns the store of c's table on client.
func New(client *dynamodb.Client, c awsenv.Config) (*dynamostore.Store, error) {
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
