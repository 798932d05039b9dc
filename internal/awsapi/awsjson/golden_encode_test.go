package awsjson_test

import (
	"bytes"
	"context"
	"math"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"jobline/internal/awsapi/awsjson"
)

// tricky is a string that exercises escaping: HTML characters (not escaped
// by smithy-go), quotes, backslash, control characters, non-ASCII,
// U+2028 and invalid UTF-8.
const tricky = "job <a href=\"x\">&amp;</a> \\ \n\r\t\x01\x1f\x7f ünïcødé 日本 🚀 \u2028\u2029 \xff end"

// everyAV returns an item holding every AttributeValue member kind,
// nested, empty and nil collections included.
func everyAV() map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"pk":     &types.AttributeValueMemberS{Value: tricky},
		"emptyS": &types.AttributeValueMemberS{Value: ""},
		"n":      &types.AttributeValueMemberN{Value: "-12.5E3"},
		"b":      &types.AttributeValueMemberB{Value: []byte{0, 1, 2, 0xfe, 0xff}},
		"bEmpty": &types.AttributeValueMemberB{Value: []byte{}},
		"bNil":   &types.AttributeValueMemberB{},
		"ss":     &types.AttributeValueMemberSS{Value: []string{"a", "<b>&"}},
		"ssNil":  &types.AttributeValueMemberSS{},
		"ns":     &types.AttributeValueMemberNS{Value: []string{"1", "2.5", "-0"}},
		"bs":     &types.AttributeValueMemberBS{Value: [][]byte{{1}, {2, 3}, {}}},
		"null":   &types.AttributeValueMemberNULL{Value: true},
		"t":      &types.AttributeValueMemberBOOL{Value: true},
		"f":      &types.AttributeValueMemberBOOL{Value: false},
		"lEmpty": &types.AttributeValueMemberL{Value: []types.AttributeValue{}},
		"lNil":   &types.AttributeValueMemberL{},
		"mEmpty": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{}},
		"mNil":   &types.AttributeValueMemberM{},
		"m": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
			"inner": &types.AttributeValueMemberL{Value: []types.AttributeValue{
				&types.AttributeValueMemberS{Value: "x"},
				&types.AttributeValueMemberN{Value: "0"},
				&types.AttributeValueMemberNULL{Value: true},
				&types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
					"deep": &types.AttributeValueMemberBS{Value: [][]byte{[]byte("<&>")}},
				}},
			}},
			"k<&>": &types.AttributeValueMemberS{Value: "v"},
		}},
	}
}

func key(pk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: pk}}
}

// encodeCase is one SDK call whose request body Marshal must reproduce.
type encodeCase struct {
	name  string
	in    any
	call  func(context.Context) error
	exact bool // no multi-entry maps: bytes must match too
}

func TestMarshalMatchesSDKSerializers(t *testing.T) {
	f := newFakeAWS(t)
	var cases []encodeCase
	cases = append(cases, dynamoEncodeCases(f.dynamo())...)
	cases = append(cases, dynamoReadCases(f.dynamo())...)
	cases = append(cases, sqsEncodeCases(f.sqs())...)
	cases = append(cases, sqsVisibilityCases(f.sqs())...)
	cases = append(cases, cloudwatchEncodeCases(f.cloudwatch())...)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f.respond(200, "{}")
			if err := c.call(context.Background()); err != nil {
				t.Fatalf("SDK call: %v", err)
			}
			sdk, _ := f.last()
			if sdk == nil {
				t.Fatal("SDK sent no body")
			}
			ours, err := awsjson.Marshal(c.in)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			if testing.Verbose() {
				t.Logf("SDK body: %s", sdk)
			}
			if !sameJSON(t, sdk, ours) {
				t.Fatalf("bodies differ\nSDK:  %s\nours: %s", indent(sdk), indent(ours))
			}
			if c.exact && !bytes.Equal(sdk, ours) {
				t.Fatalf("bytes differ\nSDK:  %s\nours: %s", sdk, ours)
			}
		})
	}
}

func dynamoEncodeCases(c *dynamodb.Client) []encodeCase {
	put := &dynamodb.PutItemInput{
		TableName:                           aws.String("jobs"),
		Item:                                everyAV(),
		ConditionExpression:                 aws.String("attribute_not_exists(#pk) AND #n <> :zero"),
		ExpressionAttributeNames:            map[string]string{"#pk": "pk", "#n": "n"},
		ExpressionAttributeValues:           map[string]types.AttributeValue{":zero": &types.AttributeValueMemberN{Value: "0"}},
		ReturnValues:                        types.ReturnValueNone,
		ReturnConsumedCapacity:              types.ReturnConsumedCapacityTotal,
		ReturnItemCollectionMetrics:         types.ReturnItemCollectionMetricsSize,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}
	get := &dynamodb.GetItemInput{
		TableName:                aws.String("jobs"),
		Key:                      key("job#1"),
		ConsistentRead:           aws.Bool(false), // pointer to zero: still sent
		ProjectionExpression:     aws.String("#s"),
		ExpressionAttributeNames: map[string]string{"#s": "state"},
	}
	upd := &dynamodb.UpdateItemInput{
		TableName:                 aws.String("jobs"),
		Key:                       map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "job#1"}, "sk": &types.AttributeValueMemberN{Value: "7"}},
		UpdateExpression:          aws.String("SET #s = :s, #h = list_append(#h, :h) REMOVE #x"),
		ConditionExpression:       aws.String("#s IN (:a, :b)"),
		ExpressionAttributeNames:  map[string]string{"#s": "state", "#h": "history", "#x": "lease"},
		ExpressionAttributeValues: everyAV(),
		ReturnValues:              types.ReturnValueUpdatedNew,
	}
	del := &dynamodb.DeleteItemInput{
		TableName:                           aws.String("jobs"),
		Key:                                 key(tricky),
		ConditionExpression:                 aws.String("attribute_exists(pk)"),
		ReturnValues:                        types.ReturnValueAllOld,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}
	return []encodeCase{
		{name: "DynamoDB.PutItem", in: put, call: func(ctx context.Context) error { _, err := c.PutItem(ctx, put); return err }},
		{name: "DynamoDB.GetItem", in: get, exact: true, call: func(ctx context.Context) error { _, err := c.GetItem(ctx, get); return err }},
		{name: "DynamoDB.UpdateItem", in: upd, call: func(ctx context.Context) error { _, err := c.UpdateItem(ctx, upd); return err }},
		{name: "DynamoDB.DeleteItem", in: del, exact: true, call: func(ctx context.Context) error { _, err := c.DeleteItem(ctx, del); return err }},
		transactCase(c),
	}
}

func dynamoReadCases(c *dynamodb.Client) []encodeCase {
	query := &dynamodb.QueryInput{
		TableName:                 aws.String("jobs"),
		IndexName:                 aws.String("by-state"),
		KeyConditionExpression:    aws.String("#s = :s AND begins_with(sk, :p)"),
		FilterExpression:          aws.String("attribute_exists(lease)"),
		ExpressionAttributeNames:  map[string]string{"#s": "state"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":s": &types.AttributeValueMemberS{Value: "queued"}, ":p": &types.AttributeValueMemberS{Value: "2024-"}},
		ExclusiveStartKey:         map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "job#9"}, "state": &types.AttributeValueMemberS{Value: "queued"}, "sk": &types.AttributeValueMemberN{Value: "12"}},
		Limit:                     aws.Int32(25),
		ScanIndexForward:          aws.Bool(false),
		ConsistentRead:            aws.Bool(true),
		ProjectionExpression:      aws.String("pk, #s"),
		Select:                    types.SelectSpecificAttributes,
		ReturnConsumedCapacity:    types.ReturnConsumedCapacityIndexes,
	}
	queryZero := &dynamodb.QueryInput{
		TableName:              aws.String("jobs"),
		KeyConditionExpression: aws.String("pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": &types.AttributeValueMemberS{Value: "job#1"},
		},
		Limit:            aws.Int32(0),
		ScanIndexForward: aws.Bool(true),
		ConsistentRead:   aws.Bool(false),
	}
	batch := &dynamodb.BatchGetItemInput{
		RequestItems: map[string]types.KeysAndAttributes{
			"jobs": {
				Keys:                     []map[string]types.AttributeValue{key("job#1"), key("job#2"), key("<&>")},
				ConsistentRead:           aws.Bool(true),
				ProjectionExpression:     aws.String("pk, #s"),
				ExpressionAttributeNames: map[string]string{"#s": "state"},
			},
			"empty": {Keys: []map[string]types.AttributeValue{}},
		},
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	}
	return []encodeCase{
		{name: "DynamoDB.Query", in: query, call: func(ctx context.Context) error { _, err := c.Query(ctx, query); return err }},
		{name: "DynamoDB.QueryZeroPointers", in: queryZero, exact: true, call: func(ctx context.Context) error { _, err := c.Query(ctx, queryZero); return err }},
		{name: "DynamoDB.BatchGetItem", in: batch, call: func(ctx context.Context) error { _, err := c.BatchGetItem(ctx, batch); return err }},
	}
}

func transactCase(c *dynamodb.Client) encodeCase {
	tx := &dynamodb.TransactWriteItemsInput{
		ClientRequestToken:          aws.String("tok-<1>"),
		ReturnConsumedCapacity:      types.ReturnConsumedCapacityTotal,
		ReturnItemCollectionMetrics: types.ReturnItemCollectionMetricsNone,
		TransactItems: []types.TransactWriteItem{
			{Put: &types.Put{
				TableName:                           aws.String("jobs"),
				Item:                                everyAV(),
				ConditionExpression:                 aws.String("attribute_not_exists(pk)"),
				ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
			}},
			{Update: &types.Update{
				TableName:                 aws.String("jobs"),
				Key:                       key("job#2"),
				UpdateExpression:          aws.String("SET #v = #v + :one"),
				ConditionExpression:       aws.String("#v < :max"),
				ExpressionAttributeNames:  map[string]string{"#v": "version"},
				ExpressionAttributeValues: map[string]types.AttributeValue{":one": &types.AttributeValueMemberN{Value: "1"}, ":max": &types.AttributeValueMemberN{Value: "100"}},
			}},
			{ConditionCheck: &types.ConditionCheck{
				TableName:                           aws.String("locks"),
				Key:                                 key("lock#1"),
				ConditionExpression:                 aws.String("attribute_not_exists(owner)"),
				ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureNone,
			}},
			{Delete: &types.Delete{
				TableName:                aws.String("jobs"),
				Key:                      key("job#3"),
				ConditionExpression:      aws.String("#s = :done"),
				ExpressionAttributeNames: map[string]string{"#s": "state"},
				ExpressionAttributeValues: map[string]types.AttributeValue{
					":done": &types.AttributeValueMemberS{Value: "done"},
				},
			}},
		},
	}
	return encodeCase{name: "DynamoDB.TransactWriteItems", in: tx, call: func(ctx context.Context) error {
		_, err := c.TransactWriteItems(ctx, tx)
		return err
	}}
}

func sqsEncodeCases(c *sqs.Client) []encodeCase {
	q := aws.String("https://sqs.us-east-1.amazonaws.com/123456789012/jobs")
	attrs := map[string]sqstypes.MessageAttributeValue{
		"kind":  {DataType: aws.String("String"), StringValue: aws.String(tricky)},
		"blob":  {DataType: aws.String("Binary"), BinaryValue: []byte{0, 0xff, '<'}},
		"zero":  {DataType: aws.String("Number"), StringValue: aws.String("0")},
		"empty": {DataType: aws.String("String.custom"), StringValue: aws.String("")},
	}
	send := &sqs.SendMessageInput{
		QueueUrl:               q,
		MessageBody:            aws.String(tricky),
		DelaySeconds:           5,
		MessageAttributes:      attrs,
		MessageGroupId:         aws.String("g"),
		MessageDeduplicationId: aws.String("d"),
		MessageSystemAttributes: map[string]sqstypes.MessageSystemAttributeValue{
			"AWSTraceHeader": {DataType: aws.String("String"), StringValue: aws.String("Root=1-5759e988-bd862e3fe1be46a994272793")},
		},
	}
	sendZero := &sqs.SendMessageInput{QueueUrl: q, MessageBody: aws.String("{}"), DelaySeconds: 0}
	batch := &sqs.SendMessageBatchInput{QueueUrl: q, Entries: []sqstypes.SendMessageBatchRequestEntry{
		{Id: aws.String("0"), MessageBody: aws.String("a"), DelaySeconds: 0},
		{Id: aws.String("1"), MessageBody: aws.String("<b>"), DelaySeconds: 3, MessageAttributes: attrs},
	}}
	recv := &sqs.ReceiveMessageInput{
		QueueUrl:                    q,
		MaxNumberOfMessages:         10,
		WaitTimeSeconds:             20,
		VisibilityTimeout:           30,
		AttributeNames:              []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll},
		MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameApproximateReceiveCount, sqstypes.MessageSystemAttributeNameSentTimestamp},
		MessageAttributeNames:       []string{"All", "kind.*"},
		ReceiveRequestAttemptId:     aws.String("attempt"),
	}
	recvZero := &sqs.ReceiveMessageInput{QueueUrl: q, MessageAttributeNames: []string{}}
	return []encodeCase{
		{name: "SQS.SendMessage", in: send, call: func(ctx context.Context) error { _, err := c.SendMessage(ctx, send); return err }},
		{name: "SQS.SendMessageZeroDelay", in: sendZero, exact: true, call: func(ctx context.Context) error { _, err := c.SendMessage(ctx, sendZero); return err }},
		{name: "SQS.SendMessageBatch", in: batch, call: func(ctx context.Context) error { _, err := c.SendMessageBatch(ctx, batch); return err }},
		{name: "SQS.ReceiveMessage", in: recv, exact: true, call: func(ctx context.Context) error { _, err := c.ReceiveMessage(ctx, recv); return err }},
		{name: "SQS.ReceiveMessageZero", in: recvZero, exact: true, call: func(ctx context.Context) error { _, err := c.ReceiveMessage(ctx, recvZero); return err }},
	}
}

func sqsVisibilityCases(c *sqs.Client) []encodeCase {
	q := aws.String("https://sqs.us-east-1.amazonaws.com/123456789012/jobs")
	del := &sqs.DeleteMessageInput{QueueUrl: q, ReceiptHandle: aws.String("rh+/=")}
	delBatch := &sqs.DeleteMessageBatchInput{QueueUrl: q, Entries: []sqstypes.DeleteMessageBatchRequestEntry{
		{Id: aws.String("a"), ReceiptHandle: aws.String("rh1")}, {Id: aws.String("b"), ReceiptHandle: aws.String("rh2")},
	}}
	// VisibilityTimeout is a required int32: the SDK sends it even when 0.
	vis := &sqs.ChangeMessageVisibilityInput{QueueUrl: q, ReceiptHandle: aws.String("rh"), VisibilityTimeout: 0}
	visBatch := &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: q, Entries: []sqstypes.ChangeMessageVisibilityBatchRequestEntry{
		{Id: aws.String("a"), ReceiptHandle: aws.String("rh1"), VisibilityTimeout: 0},
		{Id: aws.String("b"), ReceiptHandle: aws.String("rh2"), VisibilityTimeout: 60},
	}}
	attrs := &sqs.GetQueueAttributesInput{QueueUrl: q, AttributeNames: []sqstypes.QueueAttributeName{
		sqstypes.QueueAttributeNameApproximateNumberOfMessages, sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible,
	}}
	return []encodeCase{
		{name: "SQS.DeleteMessage", in: del, exact: true, call: func(ctx context.Context) error { _, err := c.DeleteMessage(ctx, del); return err }},
		{name: "SQS.DeleteMessageBatch", in: delBatch, exact: true, call: func(ctx context.Context) error { _, err := c.DeleteMessageBatch(ctx, delBatch); return err }},
		{name: "SQS.ChangeMessageVisibility", in: vis, exact: true, call: func(ctx context.Context) error { _, err := c.ChangeMessageVisibility(ctx, vis); return err }},
		{name: "SQS.ChangeMessageVisibilityBatch", in: visBatch, exact: true, call: func(ctx context.Context) error {
			_, err := c.ChangeMessageVisibilityBatch(ctx, visBatch)
			return err
		}},
		{name: "SQS.GetQueueAttributes", in: attrs, exact: true, call: func(ctx context.Context) error { _, err := c.GetQueueAttributes(ctx, attrs); return err }},
	}
}

func cloudwatchEncodeCases(c *cloudwatch.Client) []encodeCase {
	dims := []cwtypes.Dimension{{Name: aws.String("Queue"), Value: aws.String("jobs<&>")}, {Name: aws.String("Env"), Value: aws.String("prod")}}
	get := &cloudwatch.GetMetricDataInput{
		StartTime: aws.Time(time.Unix(1700000000, 123456789)),
		EndTime:   aws.Time(time.Unix(1700003600, 500000000).In(time.FixedZone("x", 3600))),
		MetricDataQueries: []cwtypes.MetricDataQuery{
			{Id: aws.String("m1"), Label: aws.String("sent"), ReturnData: aws.Bool(false), MetricStat: &cwtypes.MetricStat{
				Metric: &cwtypes.Metric{Namespace: aws.String("Jobline"), MetricName: aws.String("Sent"), Dimensions: dims},
				Period: aws.Int32(60), Stat: aws.String("Sum"), Unit: cwtypes.StandardUnitCount,
			}},
			{Id: aws.String("e1"), Expression: aws.String("m1 * 2"), Period: aws.Int32(0)},
			{Id: aws.String("m2"), MetricStat: &cwtypes.MetricStat{
				Metric: &cwtypes.Metric{Namespace: aws.String("AWS/SQS"), MetricName: aws.String("Age"), Dimensions: []cwtypes.Dimension{}},
				Period: aws.Int32(300), Stat: aws.String("p99"),
			}},
		},
		ScanBy:        cwtypes.ScanByTimestampDescending,
		NextToken:     aws.String("next=="),
		MaxDatapoints: aws.Int32(100),
		LabelOptions:  &cwtypes.LabelOptions{Timezone: aws.String("+0130")},
	}
	put := &cloudwatch.PutMetricDataInput{Namespace: aws.String("Jobline"), MetricData: []cwtypes.MetricDatum{
		{
			MetricName: aws.String("Latency"), Dimensions: dims, Unit: cwtypes.StandardUnitMilliseconds,
			Timestamp: aws.Time(time.Unix(1700000000, 987654321)), StorageResolution: aws.Int32(1),
			Values: []float64{1, 2.5, 0, -3e-7, 1e21, 123456789.125}, Counts: []float64{1, 2, 3, 4, 5, 6},
		},
		{MetricName: aws.String("Zero"), Value: aws.Float64(0), Timestamp: aws.Time(time.Unix(1700000000, 0))},
		{MetricName: aws.String("Stats"), StatisticValues: &cwtypes.StatisticSet{
			Maximum: aws.Float64(10), Minimum: aws.Float64(0), SampleCount: aws.Float64(3), Sum: aws.Float64(12.75),
		}},
		{MetricName: aws.String("Odd"), Values: []float64{math.NaN(), math.Inf(1), math.Inf(-1)}},
	}}
	return []encodeCase{
		{name: "CloudWatch.GetMetricData", in: get, exact: true, call: func(ctx context.Context) error { _, err := c.GetMetricData(ctx, get); return err }},
		{name: "CloudWatch.PutMetricData", in: put, exact: true, call: func(ctx context.Context) error { _, err := c.PutMetricData(ctx, put); return err }},
	}
}
