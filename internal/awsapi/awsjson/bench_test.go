package awsjson_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"jobline/internal/awsapi/awsjson"
)

// jobItem is a representative job record: a dozen attributes, a nested map
// and a list.
func jobItem(i int) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"pk":        &types.AttributeValueMemberS{Value: fmt.Sprintf("job#%08d", i)},
		"sk":        &types.AttributeValueMemberS{Value: "meta"},
		"state":     &types.AttributeValueMemberS{Value: "queued"},
		"version":   &types.AttributeValueMemberN{Value: "3"},
		"createdAt": &types.AttributeValueMemberN{Value: "1700000000123"},
		"attempts":  &types.AttributeValueMemberN{Value: "0"},
		"payload":   &types.AttributeValueMemberB{Value: []byte(strings.Repeat("p", 256))},
		"owner":     &types.AttributeValueMemberNULL{Value: true},
		"urgent":    &types.AttributeValueMemberBOOL{Value: false},
		"tags":      &types.AttributeValueMemberSS{Value: []string{"a", "b<c>"}},
		"params": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
			"url":     &types.AttributeValueMemberS{Value: "https://example.com/?a=1&b=2"},
			"timeout": &types.AttributeValueMemberN{Value: "30"},
		}},
		"history": &types.AttributeValueMemberL{Value: []types.AttributeValue{
			&types.AttributeValueMemberS{Value: "created"}, &types.AttributeValueMemberS{Value: "queued"},
		}},
	}
}

func BenchmarkMarshalPutItem(b *testing.B) {
	in := &dynamodb.PutItemInput{
		TableName:                aws.String("jobs"),
		Item:                     jobItem(1),
		ConditionExpression:      aws.String("attribute_not_exists(#pk)"),
		ExpressionAttributeNames: map[string]string{"#pk": "pk"},
		ReturnValues:             types.ReturnValueNone,
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := awsjson.Marshal(in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnmarshalQuery(b *testing.B) {
	items := make([]map[string]types.AttributeValue, 25)
	for i := range items {
		items[i] = jobItem(i)
	}
	body, err := awsjson.Marshal(&dynamodb.QueryOutput{
		Items: items, Count: 25, ScannedCount: 25, LastEvaluatedKey: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: "job#00000024"}, "sk": &types.AttributeValueMemberS{Value: "meta"},
		},
		ConsumedCapacity: &types.ConsumedCapacity{TableName: aws.String("jobs"), CapacityUnits: aws.Float64(12.5)},
	})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		var out dynamodb.QueryOutput
		if err := awsjson.Unmarshal(body, &out); err != nil {
			b.Fatal(err)
		}
	}
}
