package awsjson_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go/middleware"

	"jobline/internal/awsapi/awsjson"
)

// itemJSON holds every AttributeValue member kind, nested collections, null
// members and elements, and a member this client version does not know.
const itemJSON = `{
	"pk": {"S": "job <a>&amp; \"q\" \\ ü 🚀 \u2028 \u0001"},
	"n": {"N": "-1.5e3"},
	"b": {"B": "AAEC/v8="},
	"bEmpty": {"B": ""},
	"ss": {"SS": ["a", "<b>", null]},
	"ns": {"NS": ["1", "2.5"]},
	"bs": {"BS": ["AQ==", "", null]},
	"null": {"NULL": true},
	"t": {"BOOL": true},
	"f": {"BOOL": false},
	"l": {"L": [{"S": "x"}, {"M": {"k": {"N": "2"}, "z": null}}, {"L": []}, null]},
	"lEmpty": {"L": []},
	"mEmpty": {"M": {}},
	"future": {"ZZ": {"x": [1, 2]}},
	"nullMember": {"S": null, "N": "5"},
	"allNull": {"S": null},
	"nothing": null
}`

// decodeCase is one response body decoded by the SDK and by Unmarshal.
type decodeCase struct {
	name string
	body string
	call func(context.Context) (any, error) // SDK call, returns its output
	out  func() any                         // new zero output of the same type
}

func TestUnmarshalMatchesSDKDeserializers(t *testing.T) {
	f := newFakeAWS(t)
	var cases []decodeCase
	cases = append(cases, dynamoDecodeCases(f.dynamo())...)
	cases = append(cases, sqsDecodeCases(f.sqs())...)
	cases = append(cases, cloudwatchDecodeCase(f.cloudwatch()))
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f.respond(200, c.body)
			want, err := c.call(context.Background())
			if err != nil {
				t.Fatalf("SDK call: %v", err)
			}
			clearResultMetadata(want)
			got := c.out()
			if err := awsjson.Unmarshal([]byte(c.body), got); err != nil {
				t.Fatalf("Unmarshal: %v", err)
			}
			if !reflect.DeepEqual(want, got) {
				t.Fatalf("outputs differ\nSDK:  %#v\nours: %#v", want, got)
			}
		})
	}
}

// clearResultMetadata zeroes the SDK's per-call metadata in *out.
func clearResultMetadata(out any) {
	f := reflect.ValueOf(out).Elem().FieldByName("ResultMetadata")
	f.Set(reflect.ValueOf(middleware.Metadata{}))
}

func dynamoDecodeCases(c *dynamodb.Client) []decodeCase {
	key := map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "a"}}
	return []decodeCase{
		{
			name: "DynamoDB.GetItem",
			body: `{"Item": ` + itemJSON + `, "ConsumedCapacity": {"TableName": "jobs", "CapacityUnits": 0.5,
				"ReadCapacityUnits": "Infinity", "Table": {"CapacityUnits": 0.5}}, "Unmodelled": {"a": [1, 2]}}`,
			call: func(ctx context.Context) (any, error) {
				return c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("jobs"), Key: key})
			},
			out: func() any { return new(dynamodb.GetItemOutput) },
		},
		{
			name: "DynamoDB.Query",
			body: `{"Items": [` + itemJSON + `, {"pk": {"S": "b"}}, {}], "Count": 3, "ScannedCount": 2147483647,
				"LastEvaluatedKey": {"pk": {"S": "b"}, "sk": {"N": "9"}},
				"ConsumedCapacity": {"TableName": "jobs", "CapacityUnits": 1.5, "Table": {"CapacityUnits": 1},
					"GlobalSecondaryIndexes": {"by-state": {"CapacityUnits": 0.5, "ReadCapacityUnits": 0.5}}}}`,
			call: func(ctx context.Context) (any, error) {
				return c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("jobs")})
			},
			out: func() any { return new(dynamodb.QueryOutput) },
		},
		{
			name: "DynamoDB.BatchGetItem",
			body: `{"Responses": {"jobs": [` + itemJSON + `, {"pk": {"S": "b"}}], "empty": []},
				"UnprocessedKeys": {"jobs": {"Keys": [{"pk": {"S": "c"}}], "ConsistentRead": true,
					"ProjectionExpression": "pk, #s", "ExpressionAttributeNames": {"#s": "state"}}},
				"ConsumedCapacity": [{"TableName": "jobs", "CapacityUnits": 2}]}`,
			call: func(ctx context.Context) (any, error) {
				return c.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
					"jobs": {Keys: []map[string]types.AttributeValue{key}},
				}})
			},
			out: func() any { return new(dynamodb.BatchGetItemOutput) },
		},
		{
			name: "DynamoDB.UpdateItem",
			body: `{"Attributes": ` + itemJSON + `, "ItemCollectionMetrics": {"ItemCollectionKey": {"pk": {"S": "a"}},
				"SizeEstimateRangeGB": [0, 1.25]}}`,
			call: func(ctx context.Context) (any, error) {
				return c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("jobs"), Key: key})
			},
			out: func() any { return new(dynamodb.UpdateItemOutput) },
		},
	}
}

func sqsDecodeCases(c *sqs.Client) []decodeCase {
	q := aws.String("https://sqs.us-east-1.amazonaws.com/123456789012/jobs")
	return []decodeCase{
		{
			name: "SQS.ReceiveMessage",
			body: `{"Messages": [
				{"MessageId": "m1", "ReceiptHandle": "rh+/=", "MD5OfBody": "0cc175b9c0f1b6a831c399e269772661", "Body": "<b>&amp;",
				 "Attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1700000000000"},
				 "MD5OfMessageAttributes": "d41d8cd98f00b204e9800998ecf8427e",
				 "MessageAttributes": {
					"s": {"DataType": "String", "StringValue": "v ü", "StringListValues": [], "BinaryListValues": []},
					"b": {"DataType": "Binary", "BinaryValue": "AAEC/w=="}}},
				{"MessageId": "m2", "Body": ""}]}`,
			call: func(ctx context.Context) (any, error) {
				return c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q})
			},
			out: func() any { return new(sqs.ReceiveMessageOutput) },
		},
		{
			name: "SQS.SendMessageBatch",
			body: `{"Successful": [{"Id": "0", "MessageId": "x", "MD5OfMessageBody": "abc", "MD5OfMessageAttributes": "def", "SequenceNumber": "18"}],
				"Failed": [{"Id": "1", "SenderFault": true, "Code": "InvalidParameterValue", "Message": "bad <attr>"},
					{"Id": "2", "SenderFault": false, "Code": "InternalError"}]}`,
			call: func(ctx context.Context) (any, error) {
				return c.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: q, Entries: []sqstypes.SendMessageBatchRequestEntry{}})
			},
			out: func() any { return new(sqs.SendMessageBatchOutput) },
		},
		{
			name: "SQS.GetQueueAttributes",
			body: `{"Attributes": {"ApproximateNumberOfMessages": "5", "QueueArn": "arn:aws:sqs:us-east-1:123456789012:jobs"}}`,
			call: func(ctx context.Context) (any, error) {
				return c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: q})
			},
			out: func() any { return new(sqs.GetQueueAttributesOutput) },
		},
	}
}

func cloudwatchDecodeCase(c *cloudwatch.Client) decodeCase {
	return decodeCase{
		name: "CloudWatch.GetMetricData",
		body: `{"MetricDataResults": [
			{"Id": "m1", "Label": "sent", "StatusCode": "Complete",
			 "Timestamps": [1700000000.123, 1700000060, 1.7e9, 1700000000.123456, 0.001, -1.5],
			 "Values": [1, 2.5, "Infinity", "-Infinity", -0.5, 1e21],
			 "Messages": [{"Code": "ArithmeticError", "Value": "div by zero"}]},
			{"Id": "e1", "StatusCode": "PartialData", "Timestamps": [], "Values": []}],
			"Messages": [{"Code": "MaxMetricsExceeded", "Value": "x"}], "NextToken": "tok=="}`,
		call: func(ctx context.Context) (any, error) {
			return c.GetMetricData(ctx, &cloudwatch.GetMetricDataInput{
				StartTime: aws.Time(time.Unix(0, 0)), EndTime: aws.Time(time.Unix(1, 0)), MetricDataQueries: []cwtypes.MetricDataQuery{},
			})
		},
		out: func() any { return new(cloudwatch.GetMetricDataOutput) },
	}
}

func TestUnmarshalMatchesSDKErrors(t *testing.T) {
	f := newFakeAWS(t)
	c := f.dynamo()
	ctx := context.Background()
	t.Run("ConditionalCheckFailedException", func(t *testing.T) {
		body := `{"__type": "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",
			"message": "The conditional request failed", "Item": ` + itemJSON + `}`
		f.respond(400, body)
		_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("jobs"), Item: map[string]types.AttributeValue{}})
		var want *types.ConditionalCheckFailedException
		if !errors.As(err, &want) {
			t.Fatalf("SDK error %T %v", err, err)
		}
		got := new(types.ConditionalCheckFailedException)
		if err := awsjson.Unmarshal([]byte(body), got); err != nil {
			t.Fatal(err)
		}
		if got.Message == nil || *got.Message != "The conditional request failed" || !reflect.DeepEqual(want, got) {
			t.Fatalf("errors differ\nSDK:  %#v\nours: %#v", want, got)
		}
	})
	t.Run("TransactionCanceledException", func(t *testing.T) {
		body := `{"__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
			"Message": "Transaction cancelled, please refer cancellation reasons for specific reasons [ConditionalCheckFailed, None]",
			"CancellationReasons": [
				{"Code": "ConditionalCheckFailed", "Message": "The conditional request failed", "Item": ` + itemJSON + `},
				{"Code": "None"},
				{"Code": "ValidationError", "message": "lower-case key: not mapped for non-error shapes"}]}`
		f.respond(400, body)
		_, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{}})
		var want *types.TransactionCanceledException
		if !errors.As(err, &want) {
			t.Fatalf("SDK error %T %v", err, err)
		}
		got := new(types.TransactionCanceledException)
		if err := awsjson.Unmarshal([]byte(body), got); err != nil {
			t.Fatal(err)
		}
		if len(got.CancellationReasons) != 3 || !reflect.DeepEqual(want, got) {
			t.Fatalf("errors differ\nSDK:  %#v\nours: %#v", want, got)
		}
	})
}
