package awstest_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"jobline/internal/awsapi/dynamo"
	"jobline/internal/awsbackend/awstest"
)

// TestMeterOnEmulator runs requests through a metered client (Jobline's) against a
// table shaped by hand (one KEYS_ONLY and one ALL index) and compares the
// meter with units counted by hand.
func TestMeterOnEmulator(t *testing.T) {
	t.Parallel()
	cfg := awstest.Config(t)
	raw := awstest.Clients(t, cfg).DynamoDB
	ctx := context.Background()
	table := "meter-" + strings.ReplaceAll(t.Name(), "/", "-") + "-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	str := types.ScalarAttributeTypeS
	awstest.CreateTable(t, raw, &dynamodb.CreateTableInput{
		TableName:   &table,
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("PK"), AttributeType: str}, {AttributeName: aws.String("K1"), AttributeType: str},
			{AttributeName: aws.String("K2"), AttributeType: str},
		},
		KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("PK"), KeyType: types.KeyTypeHash}},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{
			{IndexName: aws.String("Keys"), KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("K1"), KeyType: types.KeyTypeHash}}, Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}},
			{IndexName: aws.String("All"), KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("K2"), KeyType: types.KeyTypeHash}}, Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}},
		},
	})
	schema := awstest.TableSchema{HashKey: "PK", Indexes: []awstest.IndexSchema{
		{Name: "Keys", HashKey: "K1", Projection: "KEYS_ONLY"}, {Name: "All", HashKey: "K2", Projection: "ALL"},
	}}
	meter := awstest.NewMeter(schema, raw)
	db := awstest.Clients(t, cfg, meter.Hook()).Dynamo
	sv := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	key := map[string]types.AttributeValue{"PK": sv("a")}

	step := func(name string, wantWRU, wantRRU float64, do func() error) {
		t.Helper()
		meter.Reset()
		if err := do(); err != nil {
			var ccf *types.ConditionalCheckFailedException
			if !errors.As(err, &ccf) {
				t.Fatalf("%s: %v", name, err)
			}
		}
		if err := meter.Err(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := meter.Total(); got.WRU != wantWRU || got.RRU != wantRRU || got.Requests != 1 {
			t.Errorf("%s: %+v, want %v WRU %v RRU in 1 request", name, got, wantWRU, wantRRU)
		}
	}
	step("put of a 1.5 KB item: table 2 + Keys 1 (the item has no K2)", 3, 0, func() error {
		_, err := db.PutItem(ctx, &dynamo.PutItemInput{TableName: &table, Item: map[string]types.AttributeValue{"PK": sv("a"), "K1": sv("o"), "Pad": sv(strings.Repeat("x", 1500))}})
		return err
	})
	step("update: 2 KB item enters All: table 2 + All 2", 4, 0, func() error {
		_, err := db.UpdateItem(ctx, &dynamo.UpdateItemInput{TableName: &table, Key: key, UpdateExpression: aws.String("SET K2 = :v"), ExpressionAttributeValues: map[string]types.AttributeValue{":v": sv("s")}})
		return err
	})
	step("failed condition: the item as it is, 2", 2, 0, func() error {
		_, err := db.UpdateItem(ctx, &dynamo.UpdateItemInput{TableName: &table, Key: key, UpdateExpression: aws.String("SET K2 = :v"), ConditionExpression: aws.String("attribute_not_exists(PK)"), ExpressionAttributeValues: map[string]types.AttributeValue{":v": sv("t")}})
		return err
	})
	step("eventually consistent get of 1.5 KB: 0.5", 0, 0.5, func() error {
		_, err := db.GetItem(ctx, &dynamo.GetItemInput{TableName: &table, Key: key})
		return err
	})
	step("query of the KEYS_ONLY index reads the small entry", 0, 0.5, func() error {
		_, err := db.Query(ctx, &dynamo.QueryInput{TableName: &table, IndexName: aws.String("Keys"), KeyConditionExpression: aws.String("K1 = :o"),
			FilterExpression: aws.String("PK = :none"), ExpressionAttributeValues: map[string]types.AttributeValue{":o": sv("o"), ":none": sv("z")}})
		return err
	})
	step("batch get, strongly consistent, one found, one missing: 1 + 1", 0, 2, func() error {
		_, err := db.BatchGetItem(ctx, &dynamo.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
			table: {Keys: []map[string]types.AttributeValue{key, {"PK": sv("missing")}}, ConsistentRead: aws.Bool(true)},
		}})
		return err
	})
	step("delete: table 2 + Keys 1 + All 2", 5, 0, func() error {
		_, err := db.DeleteItem(ctx, &dynamo.DeleteItemInput{TableName: &table, Key: key})
		return err
	})
}
