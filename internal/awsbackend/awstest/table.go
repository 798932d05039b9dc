package awstest

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"jobline/internal/awsbackend"
	"jobline/internal/awsbackend/jobstore"
	"jobline/internal/jobs/dynamostore"
)

// NewTable creates an empty table with the key schema, attributes and
// indexes of the emulator's template table (so it cannot drift from
// template.yaml), deleted when the test ends. Tests whose queries span the
// whole table (the reconciler's ListDue) use one to see only their jobs.
func NewTable(t testing.TB, client *dynamodb.Client, cfg awsbackend.Config) string {
	t.Helper()
	ctx := context.Background()
	desc, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(cfg.TableName)})
	if err != nil {
		t.Fatalf("describe template table %s: %v", cfg.TableName, err)
	}
	src := desc.Table
	in := &dynamodb.CreateTableInput{
		TableName:            aws.String("test-" + randomSuffix()),
		AttributeDefinitions: src.AttributeDefinitions,
		KeySchema:            src.KeySchema,
		BillingMode:          types.BillingModePayPerRequest,
	}
	for _, g := range src.GlobalSecondaryIndexes {
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, types.GlobalSecondaryIndex{
			IndexName: g.IndexName, KeySchema: g.KeySchema, Projection: g.Projection,
		})
	}
	CreateTable(t, client, in)
	return aws.ToString(in.TableName)
}

// CreateTable creates in's table, whose name must be the test's alone
// (randomSuffix), and deletes it when the test ends. The emulator under
// load can cut a response short; the SDK then retries the create, which
// finds the table its first attempt made: ResourceInUseException on a name
// no one else uses is that, and the table is the test's.
func CreateTable(t testing.TB, client *dynamodb.Client, in *dynamodb.CreateTableInput) {
	t.Helper()
	_, err := client.CreateTable(context.Background(), in)
	var inUse *types.ResourceInUseException
	if err != nil && !errors.As(err, &inUse) {
		t.Fatalf("create table %s: %v", aws.ToString(in.TableName), err)
	}
	t.Cleanup(func() {
		_, _ = client.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: in.TableName})
	})
}

// StoreConfig is the store configuration of table with the emulator
// stack's settings: the shard counts its functions are told
// (JOBLINE_CREATION_SHARDS, JOBLINE_SWEEP_SHARDS), as jobstore reads them.
func StoreConfig(cfg awsbackend.Config, table string) dynamostore.Config {
	cfg.TableName = table
	return jobstore.Config(cfg.WithDefaults())
}
