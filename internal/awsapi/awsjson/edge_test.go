package awsjson_test

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"jobline/internal/awsapi/awsjson"
)

type withAny struct {
	Name *string
	Doc  any
}

func TestMarshalRejectsUnsupportedInterface(t *testing.T) {
	_, err := awsjson.Marshal(&withAny{Name: aws.String("x"), Doc: 42})
	if err == nil || !strings.Contains(err.Error(), "awsjson: withAny.Doc: unsupported interface type") {
		t.Fatalf("err = %v", err)
	}
	// A nil interface is omitted like any nil member.
	b, err := awsjson.Marshal(&withAny{Name: aws.String("x")})
	if err != nil || string(b) != `{"Name":"x"}` {
		t.Fatalf("got %s, %v", b, err)
	}
}

func TestMarshalDoesNotEscapeHTML(t *testing.T) {
	in := &dynamodb.PutItemInput{TableName: aws.String("t"), Item: map[string]types.AttributeValue{
		"<k&>": &types.AttributeValueMemberS{Value: "<a href='x'>&</a>"},
	}}
	b, err := awsjson.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Item":{"<k&>":{"S":"<a href='x'>&</a>"}},"TableName":"t"}`
	if string(b) != want {
		t.Fatalf("got  %s\nwant %s", b, want)
	}
}

func TestMarshalErrorsNameField(t *testing.T) {
	item := func(av types.AttributeValue) *dynamodb.PutItemInput {
		return &dynamodb.PutItemInput{TableName: aws.String("t"), Item: map[string]types.AttributeValue{"x": av}}
	}
	var typedNil *types.AttributeValueMemberS
	cases := []struct {
		name string
		in   any
		want string
	}{
		{"nil map value", item(nil), `awsjson: PutItemInput.Item["x"]: nil value`},
		{"typed nil member", item(typedNil), `awsjson: PutItemInput.Item["x"]: nil value`},
		{"nil in nested M", item(&types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"y": nil}}), `PutItemInput.Item["x"].M["y"]: nil value`},
		{"nil in L", item(&types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberNULL{Value: true}, nil}}), `PutItemInput.Item["x"].L[1]: nil value`},
		{"nil in BS", item(&types.AttributeValueMemberBS{Value: [][]byte{{1}, nil}}), `PutItemInput.Item["x"].BS[1]: nil value`},
		{"unknown member", item(&types.UnknownUnionMember{Tag: "Z"}), `PutItemInput.Item["x"]: unsupported AttributeValue member type *types.UnknownUnionMember`},
		{"nil key list element", &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{"t": {Keys: []map[string]types.AttributeValue{nil}}}}, `BatchGetItemInput.RequestItems["t"].Keys[0]: nil value`},
		{"not a struct", aws.String("x"), "awsjson: Marshal needs a pointer to a struct"},
		{"embedded field", &struct{ withAny }{}, "embedded field withAny"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := awsjson.Marshal(c.in)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want it to contain %q", err, c.want)
			}
		})
	}
}

// ChangeMessageVisibilityInput mirrors the SDK type under the same name, as
// the lean clients do: its required VisibilityTimeout must be sent when 0.
type ChangeMessageVisibilityInput struct {
	QueueUrl          *string
	ReceiptHandle     *string
	VisibilityTimeout int32
}

type tagged struct {
	Always int32 `awsjson:"always"`
	Zero   int32
	Ptr    *int32
	Flag   bool
	Enum   types.ReturnValue
	Empty  []string
	Nil    []string
}

func TestMarshalZeroValueRules(t *testing.T) {
	cases := []struct {
		in   any
		want string
	}{
		{&ChangeMessageVisibilityInput{QueueUrl: aws.String("q")}, `{"QueueUrl":"q","VisibilityTimeout":0}`},
		{&tagged{Ptr: aws.Int32(0), Empty: []string{}}, `{"Always":0,"Empty":[],"Ptr":0}`},
		{&tagged{Zero: 7, Flag: true, Enum: types.ReturnValueAllNew}, `{"Always":0,"Enum":"ALL_NEW","Flag":true,"Zero":7}`},
		{(*dynamodb.GetItemInput)(nil), `{}`},
		{&sqs.ReceiveMessageInput{}, `{}`},
	}
	for _, c := range cases {
		b, err := awsjson.Marshal(c.in)
		if err != nil || string(b) != c.want {
			t.Errorf("Marshal(%#v) = %s, %v; want %s", c.in, b, err, c.want)
		}
	}
}

type times struct {
	T *time.Time
	U time.Time
	Z time.Time
	L []time.Time
}

func TestTimestamps(t *testing.T) {
	in := &times{
		T: aws.Time(time.Unix(1700000000, 123999999)), // truncated to ms, as smithy-go does
		U: time.Unix(1700000000, 0),
		L: []time.Time{time.Unix(0, 0), time.Unix(-2, -500000000)},
	}
	b, err := awsjson.Marshal(in)
	want := `{"L":[0,-2.5],"T":1700000000.123,"U":1700000000}`
	if err != nil || string(b) != want {
		t.Fatalf("got %s, %v; want %s", b, err, want)
	}
	var out times
	if err := awsjson.Unmarshal([]byte(`{"T":1700000000.123456,"U":1.7e9,"L":[0.001,null]}`), &out); err != nil {
		t.Fatal(err)
	}
	if !out.T.Equal(time.Unix(1700000000, 123000000)) || out.T.Location() != time.UTC {
		t.Errorf("T = %v (%v)", out.T, out.T.Location())
	}
	if !out.U.Equal(time.Unix(1700000000, 0)) || len(out.L) != 2 || !out.L[0].Equal(time.Unix(0, 1000000)) || !out.L[1].IsZero() {
		t.Errorf("U = %v, L = %v", out.U, out.L)
	}
}

type floats struct {
	P  *float64
	V  float64
	Vs []float64
	F  float32
}

func TestFloatsNaNAndInfinity(t *testing.T) {
	in := &floats{P: aws.Float64(math.Inf(-1)), V: math.NaN(), Vs: []float64{math.Inf(1), 0.1, 1e-7}, F: 0.1}
	b, err := awsjson.Marshal(in)
	want := `{"F":0.1,"P":"-Infinity","V":"NaN","Vs":["Infinity",0.1,1e-7]}`
	if err != nil || string(b) != want {
		t.Fatalf("got %s, %v; want %s", b, err, want)
	}
	var out floats
	if err := awsjson.Unmarshal([]byte(`{"P":"nan","V":"-infinity","Vs":["Infinity",2,null]}`), &out); err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(*out.P) || !math.IsInf(out.V, -1) || !math.IsInf(out.Vs[0], 1) || out.Vs[1] != 2 || out.Vs[2] != 0 {
		t.Fatalf("got %+v", out)
	}
}

func TestUnmarshalErrorsNameField(t *testing.T) {
	cases := []struct {
		body string
		out  any
		want string
	}{
		{`{"Item":{"b":{"B":"!!!"}}}`, new(dynamodb.GetItemOutput), `awsjson: GetItemOutput.Item["b"].B: invalid base64`},
		{`{"Messages":[{"MessageAttributes":{"b":{"BinaryValue":"%%"}}}]}`, new(sqs.ReceiveMessageOutput), `ReceiveMessageOutput.Messages[0].MessageAttributes["b"].BinaryValue: invalid base64`},
		{`{"Item":{"b":{"BS":["AA==",7]}}}`, new(dynamodb.GetItemOutput), `GetItemOutput.Item["b"].BS[1]: expected base64 string, got number 7`},
		{`{"Count":"3"}`, new(dynamodb.QueryOutput), `QueryOutput.Count: expected number, got "3"`},
		{`{"Items":{}}`, new(dynamodb.QueryOutput), `QueryOutput.Items: expected array, got object`},
		{`{"Count":2147483648}`, new(dynamodb.QueryOutput), `QueryOutput.Count: number 2147483648 overflows int32`},
		{`{"ScannedCount":-2147483649}`, new(dynamodb.QueryOutput), `QueryOutput.ScannedCount: number -2147483649 overflows int32`},
		{`{"Count":1.5}`, new(dynamodb.QueryOutput), `QueryOutput.Count: number 1.5 is not a valid int32`},
		{`{"Items":[{},{"x":{"S":1}}]}`, new(dynamodb.QueryOutput), `QueryOutput.Items[1]["x"].S: expected string, got number 1`},
		{`{"Item":{"x":{"S":"a","N":"1"}}}`, new(dynamodb.GetItemOutput), `GetItemOutput.Item["x"]: AttributeValue union has 2 members`},
		{`{"Item":{"x":"S"}}`, new(dynamodb.GetItemOutput), `GetItemOutput.Item["x"]: expected AttributeValue object, got "S"`},
		{`{"Item":{"x":{"M":{"y":{"L":[{"BOOL":"yes"}]}}}}}`, new(dynamodb.GetItemOutput), `GetItemOutput.Item["x"].M["y"].L[0].BOOL: expected boolean`},
		{`{"ConsumedCapacity":{"CapacityUnits":"lots"}}`, new(dynamodb.GetItemOutput), `GetItemOutput.ConsumedCapacity.CapacityUnits: unexpected string "lots"`},
		{`{"MetricDataResults":[{"Timestamps":["2024-01-01"]}]}`, new(cloudwatch.GetMetricDataOutput), `GetMetricDataOutput.MetricDataResults[0].Timestamps[0]: expected epoch-seconds number`},
		{`{"Attributes":{"a":1}}`, new(sqs.GetQueueAttributesOutput), `GetQueueAttributesOutput.Attributes["a"]: expected string, got number 1`},
		{`{"Failed":[{"SenderFault":"true"}]}`, new(sqs.SendMessageBatchOutput), `SendMessageBatchOutput.Failed[0].SenderFault: expected boolean`},
		{`{"Doc":{}}`, new(withAny), `withAny.Doc: unsupported interface type`},
		{`{"Count":`, new(dynamodb.QueryOutput), `awsjson: QueryOutput: unexpected EOF`},
		{`[]`, new(dynamodb.QueryOutput), `awsjson: QueryOutput: expected object, got array`},
	}
	for _, c := range cases {
		err := awsjson.Unmarshal([]byte(c.body), c.out)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Unmarshal(%s) error = %v\nwant it to contain %q", c.body, err, c.want)
		}
	}
}

type numbers struct {
	I64 *int64
	I   int
	U   uint8
	S   []int32
}

func TestUnmarshalNumbersNullsAndUnknownKeys(t *testing.T) {
	var out numbers
	body := `{"I64": 9007199254740993, "I": -7, "U": 255, "S": [1, null, -3], "Other": {"x": [1]}, "i": 5}`
	if err := awsjson.Unmarshal([]byte(body), &out); err != nil {
		t.Fatal(err)
	}
	if *out.I64 != 9007199254740993 || out.I != -7 || out.U != 255 || len(out.S) != 3 || out.S[1] != 0 || out.S[2] != -3 {
		t.Fatalf("got %+v", out)
	}
	if err := awsjson.Unmarshal([]byte(`{"U": 256}`), &out); err == nil || !strings.Contains(err.Error(), "numbers.U: number 256 overflows uint8") {
		t.Fatalf("err = %v", err)
	}
	// null and empty bodies leave values alone.
	keep := numbers{I: 3}
	for _, body := range []string{`{"I": null, "I64": null}`, ``, " \n"} {
		if err := awsjson.Unmarshal([]byte(body), &keep); err != nil || keep.I != 3 || keep.I64 != nil {
			t.Fatalf("Unmarshal(%q): %+v, %v", body, keep, err)
		}
	}
}

func TestUnmarshalUnions(t *testing.T) {
	var out dynamodb.GetItemOutput
	body := `{"Item": {"u": {"FUTURE": {"x": 1}}, "n": {"S": null}, "z": null, "m": {"M": {"k": {"NULL": true}}}}}`
	if err := awsjson.Unmarshal([]byte(body), &out); err != nil {
		t.Fatal(err)
	}
	u, ok := out.Item["u"].(*types.UnknownUnionMember)
	if !ok || u.Tag != "FUTURE" || u.Value != nil {
		t.Fatalf("u = %#v", out.Item["u"])
	}
	if v, ok := out.Item["n"]; !ok || v != nil {
		t.Fatalf("n = %#v, %v", v, ok)
	}
	m := out.Item["m"].(*types.AttributeValueMemberM)
	if !m.Value["k"].(*types.AttributeValueMemberNULL).Value {
		t.Fatalf("m = %#v", m)
	}
}

func TestUnmarshalErrorMessageKey(t *testing.T) {
	var ccf types.ConditionalCheckFailedException
	if err := awsjson.Unmarshal([]byte(`{"__type":"x#ConditionalCheckFailedException","message":"lower"}`), &ccf); err != nil {
		t.Fatal(err)
	}
	if ccf.Message == nil || *ccf.Message != "lower" || ccf.ErrorCodeOverride != nil {
		t.Fatalf("got %#v", ccf)
	}
	var reason types.CancellationReason // not an error shape: only "Message"
	if err := awsjson.Unmarshal([]byte(`{"message":"lower"}`), &reason); err != nil || reason.Message != nil {
		t.Fatalf("got %#v, %v", reason, err)
	}
}

func TestMarshalStringEscaping(t *testing.T) {
	in := &withAny{Name: aws.String("a\"b\\c\n\r\t\x00\x1f\x7f<>&é\u2028\u2029\xffz")}
	b, err := awsjson.Marshal(in)
	want := `{"Name":"a\"b\\c\n\r\t\u0000\u001f` + "\x7f" + `<>&é\u2028\u2029\ufffdz"}`
	if err != nil || !bytes.Equal(b, []byte(want)) {
		t.Fatalf("got  %s\nwant %s", b, want)
	}
}
