package cwapi_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/schemas"
	"github.com/aws/smithy-go"
	smithyjson "github.com/aws/smithy-go/transport/http/protocol/awsjson"

	"jobline/internal/awsapi"
	"jobline/internal/awsapi/awsjson"
	"jobline/internal/awsapi/cwapi"
)

// answer is a canned HTTP response.
type answer struct {
	status int
	header map[string]string
	body   string
}

// recorder is a fake CloudWatch: it records each request and answers
// with the next canned answer (the last one again when they run out).
type recorder struct {
	mu       sync.Mutex
	answers  []answer
	requests []*http.Request
	bodies   [][]byte
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rec.mu.Lock()
	n := len(rec.requests)
	rec.requests = append(rec.requests, r)
	rec.bodies = append(rec.bodies, body)
	a := rec.answers[min(n, len(rec.answers)-1)]
	rec.mu.Unlock()
	for k, v := range a.header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(a.status)
	_, _ = io.WriteString(w, a.body)
}

// serve starts a recorder answering answers and returns it with the
// aws.Config of a client of it.
func serve(t *testing.T, answers ...answer) (*recorder, aws.Config) {
	t.Helper()
	rec := &recorder{answers: answers}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	return rec, aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		BaseEndpoint: aws.String(srv.URL),
	}
}

// ourClient is a cwapi client on cfg.
func ourClient(t *testing.T, cfg aws.Config) *cwapi.Client {
	t.Helper()
	c, err := cwapi.New(context.Background(), cfg, awsapi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// sdkClient is the SDK's client on cfg, speaking AWS JSON 1.0 as cwapi
// does (its default is RPC v2 CBOR), and not gzipping PutMetricData's
// body (cwapi does not: only tests put metrics).
func sdkClient(cfg aws.Config) *cloudwatch.Client {
	return cloudwatch.NewFromConfig(cfg, func(o *cloudwatch.Options) {
		o.Protocol = smithyjson.New10(schemas.GraniteServiceVersion20100801)
		o.DisableRequestCompression = true
	})
}

// convert copies src (a pointer to a struct) into a new T, member for
// member by name and recursively, the SDK's types to cwapi's and back
// (enums by their string). It fails when a struct field of either side
// has no counterpart (the SDK's ResultMetadata aside) or one of another
// kind, so that the golden comparisons fail if our types drift.
func convert[T any](t *testing.T, src any) *T {
	t.Helper()
	dst := new(T)
	if err := convertValue("", reflect.ValueOf(dst).Elem(), reflect.ValueOf(src).Elem()); err != nil {
		t.Fatalf("converting %T to %T: %v", src, dst, err)
	}
	return dst
}

// convertValue sets dst (settable) to src's value in dst's cwapi.
func convertValue(path string, dst, src reflect.Value) error {
	if dst.Type() == src.Type() {
		dst.Set(src)
		return nil
	}
	if dst.Kind() != src.Kind() {
		return fmt.Errorf("%s: %s has no counterpart in %s", path, src.Type(), dst.Type())
	}
	switch src.Kind() {
	case reflect.Pointer:
		if !src.IsNil() {
			dst.Set(reflect.New(dst.Type().Elem()))
			return convertValue(path, dst.Elem(), src.Elem())
		}
	case reflect.Slice:
		if !src.IsNil() {
			dst.Set(reflect.MakeSlice(dst.Type(), src.Len(), src.Len()))
		}
		for i := range src.Len() {
			if err := convertValue(fmt.Sprintf("%s[%d]", path, i), dst.Index(i), src.Index(i)); err != nil {
				return err
			}
		}
	case reflect.Map:
		return convertMap(path, dst, src)
	case reflect.Struct:
		return convertStruct(path, dst, src)
	default:
		dst.Set(src.Convert(dst.Type()))
	}
	return nil
}

// convertMap is convertValue of maps.
func convertMap(path string, dst, src reflect.Value) error {
	if src.IsNil() {
		return nil
	}
	dst.Set(reflect.MakeMapWithSize(dst.Type(), src.Len()))
	for it := src.MapRange(); it.Next(); {
		k, v := reflect.New(dst.Type().Key()).Elem(), reflect.New(dst.Type().Elem()).Elem()
		if err := convertValue(path+"[key]", k, it.Key()); err != nil {
			return err
		}
		if err := convertValue(fmt.Sprintf("%s[%v]", path, it.Key()), v, it.Value()); err != nil {
			return err
		}
		dst.SetMapIndex(k, v)
	}
	return nil
}

// convertStruct is convertValue of structs: their exported fields but
// ResultMetadata must match by name, both ways.
func convertStruct(path string, dst, src reflect.Value) error {
	for _, pair := range [][2]reflect.Type{{src.Type(), dst.Type()}, {dst.Type(), src.Type()}} {
		for f := range pair[0].Fields() {
			if _, ok := pair[1].FieldByName(f.Name); f.IsExported() && f.Name != "ResultMetadata" && !ok {
				return fmt.Errorf("%s: %s.%s has no counterpart in %s", path, pair[0], f.Name, pair[1])
			}
		}
	}
	for f := range src.Type().Fields() {
		if f.IsExported() && f.Name != "ResultMetadata" {
			if err := convertValue(path+"."+f.Name, dst.FieldByName(f.Name), src.FieldByIndex(f.Index)); err != nil {
				return err
			}
		}
	}
	return nil
}

var at = time.Date(2030, 1, 2, 3, 4, 5, 678_000_000, time.UTC)

// getInput sets every member of GetMetricDataInput and its queries.
func getInput() *cwapi.GetMetricDataInput {
	return &cwapi.GetMetricDataInput{
		StartTime: aws.Time(at.Add(-time.Hour)), EndTime: aws.Time(at),
		MetricDataQueries: []cwapi.MetricDataQuery{
			{Id: aws.String("q0"), ReturnData: aws.Bool(true), Label: aws.String("jobs \"done\" <&>"),
				MetricStat: &cwapi.MetricStat{
					Metric: &cwapi.Metric{Namespace: aws.String("Jobline/prod"), MetricName: aws.String("JobsCompleted"),
						Dimensions: []cwapi.Dimension{{Name: aws.String("JobType"), Value: aws.String("report")}}},
					Period: aws.Int32(60), Stat: aws.String("Sum"), Unit: cwapi.StandardUnit("Count"),
				}},
			{Id: aws.String("e1"), Expression: aws.String("q0 * 2"), Period: aws.Int32(300), ReturnData: aws.Bool(false), AccountId: aws.String("123456789012")},
		},
		LabelOptions:  &cwapi.LabelOptions{Timezone: aws.String("+0130")},
		MaxDatapoints: aws.Int32(1000), NextToken: aws.String("token/+="), ScanBy: cwapi.ScanByTimestampDescending,
	}
}

// putInput sets every member of PutMetricDataInput and its data.
func putInput() *cwapi.PutMetricDataInput {
	return &cwapi.PutMetricDataInput{
		Namespace: aws.String("Jobline/test"),
		MetricData: []cwapi.MetricDatum{
			{MetricName: aws.String("RunTime"), Timestamp: aws.Time(at), Value: aws.Float64(12.5), Unit: cwapi.StandardUnit("Milliseconds"),
				Dimensions: []cwapi.Dimension{{Name: aws.String("JobType"), Value: aws.String("echo")}}, StorageResolution: aws.Int32(1)},
			{MetricName: aws.String("Sizes"), Values: []float64{1, 2.25, 1e21}, Counts: []float64{3, 1, 0.5},
				StatisticValues: &cwapi.StatisticSet{Maximum: aws.Float64(9), Minimum: aws.Float64(0), SampleCount: aws.Float64(4), Sum: aws.Float64(20)}},
		},
		EntityMetricData: []cwapi.EntityMetricData{{
			// One key a map: the order of a map's keys is Go's, each time another.
			Entity:     &cwapi.Entity{KeyAttributes: map[string]string{"Type": "Service"}, Attributes: map[string]string{"a": "1"}},
			MetricData: []cwapi.MetricDatum{{MetricName: aws.String("Up"), Value: aws.Float64(1)}},
		}},
		StrictEntityValidation: aws.Bool(true),
	}
}

// sameRequest fails unless our request (index 1) is the SDK's (index 0):
// method, path, target, content type, signing scope and body, byte for
// byte; and awsjson.Marshal(in) is that body.
func sameRequest(t *testing.T, rec *recorder, in any) {
	t.Helper()
	if len(rec.requests) != 2 {
		t.Fatalf("%d requests, want the SDK's and ours", len(rec.requests))
	}
	sdk, ours := rec.requests[0], rec.requests[1]
	for _, h := range []string{"X-Amz-Target", "Content-Type"} {
		if sdk.Header.Get(h) != ours.Header.Get(h) {
			t.Errorf("%s: ours %q, the SDK's %q", h, ours.Header.Get(h), sdk.Header.Get(h))
		}
	}
	if sdk.Method != ours.Method || sdk.URL.Path != ours.URL.Path {
		t.Errorf("ours %s %s, the SDK's %s %s", ours.Method, ours.URL.Path, sdk.Method, sdk.URL.Path)
	}
	if scope := "/us-east-1/monitoring/aws4_request"; !strings.Contains(ours.Header.Get("Authorization"), scope) {
		t.Errorf("Authorization %q lacks %s", ours.Header.Get("Authorization"), scope)
	}
	if !bytes.Equal(rec.bodies[0], rec.bodies[1]) {
		t.Errorf("body:\n ours %s\n SDK  %s", rec.bodies[1], rec.bodies[0])
	}
	b, err := awsjson.Marshal(in)
	if err != nil || !bytes.Equal(b, rec.bodies[0]) {
		t.Errorf("Marshal = %s, %v; the SDK sent %s", b, err, rec.bodies[0])
	}
}

var emptyJSON = answer{status: 200, header: map[string]string{"Content-Type": "application/x-amz-json-1.0"}, body: "{}"}

func TestGetMetricDataRequestIsTheSDKs(t *testing.T) {
	t.Parallel()
	rec, cfg := serve(t, emptyJSON)
	in := getInput()
	if _, err := sdkClient(cfg).GetMetricData(context.Background(), convert[cloudwatch.GetMetricDataInput](t, in)); err != nil {
		t.Fatalf("SDK: %v", err)
	}
	if _, err := ourClient(t, cfg).GetMetricData(context.Background(), in); err != nil {
		t.Fatalf("cwapi: %v", err)
	}
	sameRequest(t, rec, in)
	if got := rec.requests[1].Header.Get("X-Amz-Target"); got != "GraniteServiceVersion20100801.GetMetricData" {
		t.Errorf("target %q", got)
	}
}

func TestPutMetricDataRequestIsTheSDKs(t *testing.T) {
	t.Parallel()
	rec, cfg := serve(t, emptyJSON)
	in := putInput()
	if _, err := sdkClient(cfg).PutMetricData(context.Background(), convert[cloudwatch.PutMetricDataInput](t, in)); err != nil {
		t.Fatalf("SDK: %v", err)
	}
	if _, err := ourClient(t, cfg).PutMetricData(context.Background(), in); err != nil {
		t.Fatalf("cwapi: %v", err)
	}
	sameRequest(t, rec, in)
}

// motoAnswer is moto 5.2.5's answer to a GetMetricData of one query over
// two datapoints (recorded with curl).
const motoAnswer = `{"MetricDataResults": [{"Id": "q0", "Label": "M Sum", "Timestamps": [1795971882, 1795971942], "Values": [2.0, 3.5], "StatusCode": "Complete"}]}`

// pagedAnswer has what CloudWatch adds to moto's: fractional timestamps,
// messages, a partial status and a NextToken.
const pagedAnswer = `{"MetricDataResults":[{"Id":"q1","Label":"L","Timestamps":[1.795971882123E9],"Values":[-0.5],` +
	`"StatusCode":"PartialData","Messages":[{"Code":"MaxDatapointsExceeded","Value":"more"}]},{"Id":"q2","Timestamps":[],"Values":[]}],` +
	`"Messages":[{"Code":"Warn","Value":"w"}],"NextToken":"next/token=="}`

func TestGetMetricDataDecodesAnswersAsTheSDKDoes(t *testing.T) {
	t.Parallel()
	want := map[string]*cwapi.GetMetricDataOutput{
		motoAnswer: {MetricDataResults: []cwapi.MetricDataResult{{
			Id: aws.String("q0"), Label: aws.String("M Sum"), StatusCode: cwapi.StatusCodeComplete,
			Timestamps: []time.Time{time.Unix(1795971882, 0), time.Unix(1795971942, 0)}, Values: []float64{2, 3.5},
		}}},
		pagedAnswer: {
			MetricDataResults: []cwapi.MetricDataResult{
				{Id: aws.String("q1"), Label: aws.String("L"), StatusCode: cwapi.StatusCodePartialData,
					Timestamps: []time.Time{time.UnixMilli(1795971882123)}, Values: []float64{-0.5},
					Messages: []cwapi.MessageData{{Code: aws.String("MaxDatapointsExceeded"), Value: aws.String("more")}}},
				{Id: aws.String("q2"), Timestamps: []time.Time{}, Values: []float64{}},
			},
			Messages:  []cwapi.MessageData{{Code: aws.String("Warn"), Value: aws.String("w")}},
			NextToken: aws.String("next/token=="),
		},
	}
	for body, want := range want {
		_, cfg := serve(t, answer{status: 200, header: map[string]string{"Content-Type": "text"}, body: body})
		got, err := ourClient(t, cfg).GetMetricData(context.Background(), getInput())
		if err != nil {
			t.Fatalf("cwapi: %v", err)
		}
		sdkOut, err := sdkClient(cfg).GetMetricData(context.Background(), convert[cloudwatch.GetMetricDataInput](t, getInput()))
		if err != nil {
			t.Fatalf("SDK: %v", err)
		}
		sdk := convert[cwapi.GetMetricDataOutput](t, sdkOut)
		inUTC(got, sdk, want)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("decoded %s\n as %+v\n want %+v", body, got, want)
		}
		if !reflect.DeepEqual(got, sdk) {
			t.Errorf("decoded %s\n as %+v\n the SDK as %+v", body, got, sdk)
		}
	}
}

// inUTC puts the outputs' timestamps in UTC, for reflect.DeepEqual.
func inUTC(outs ...*cwapi.GetMetricDataOutput) {
	for _, out := range outs {
		for _, r := range out.MetricDataResults {
			for i, ts := range r.Timestamps {
				r.Timestamps[i] = ts.UTC()
			}
		}
	}
}

// motoError is moto 5.2.5's answer to a request with an invalid
// parameter (a ListMetrics with an unknown NextToken, recorded with curl).
var motoError = answer{status: 400, header: map[string]string{
	"X-Amzn-Errortype":   "GraniteServiceVersion20100801#InvalidParameterValueException",
	"X-Amzn-Query-Error": "InvalidParameterValue;Sender",
	"X-Amzn-Requestid":   "vqaZvLPTa6RCtMuYghz9PrH7I78TRtro7euLKqphlFJqDQShmCJ8",
	"Content-Type":       "text",
}, body: `{"__type": "GraniteServiceVersion20100801#InvalidParameterValueException", "message": "Request parameter NextToken is invalid", "Message": "Request parameter NextToken is invalid"}`}

func TestErrorsHaveTheQueryCodeAndAreNotRetried(t *testing.T) {
	t.Parallel()
	rec, cfg := serve(t, motoError)
	_, err := ourClient(t, cfg).GetMetricData(context.Background(), getInput())
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "InvalidParameterValue" || apiErr.ErrorMessage() != "Request parameter NextToken is invalid" {
		t.Fatalf("err = %v, want an InvalidParameterValue API error", err)
	}
	var respErr *awsapi.ResponseError
	if !errors.As(err, &respErr) || respErr.StatusCode != 400 || respErr.RequestID != motoError.header["X-Amzn-Requestid"] {
		t.Errorf("err = %#v, want a ResponseError of status 400 with the request ID", err)
	}
	if len(rec.requests) != 1 {
		t.Errorf("%d requests, want 1 (not retried)", len(rec.requests))
	}
	_, sdkErr := sdkClient(cfg).GetMetricData(context.Background(), convert[cloudwatch.GetMetricDataInput](t, getInput()))
	var sdkAPIErr smithy.APIError
	if !errors.As(sdkErr, &sdkAPIErr) || sdkAPIErr.ErrorCode() != apiErr.ErrorCode() {
		t.Errorf("the SDK's error %v, ours %v", sdkErr, err)
	}
}
