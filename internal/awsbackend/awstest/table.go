package awstest

import (
	"context"
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
	if _, err := client.CreateTable(ctx, in); err != nil {
		t.Fatalf("create table: %v", err)
	}
	t.Cleanup(func() {
		_, _ = client.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: in.TableName})
	})
	return aws.ToString(in.TableName)
}

// StoreConfig is the store configuration of table with the emulator
// stack's settings: the shard counts its functions are told
// (JOBLINE_CREATION_SHARDS, JOBLINE_SWEEP_SHARDS), as jobstore reads them.
func StoreConfig(cfg awsbackend.Config, table string) dynamostore.Config {
	cfg.TableName = table
	return jobstore.Config(cfg.WithDefaults())
}
