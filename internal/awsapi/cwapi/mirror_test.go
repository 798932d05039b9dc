package cwapi_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"jobline/internal/awsapi/cwapi"
	"jobline/internal/awsapi/shapetest"
)

// mirrors pairs each type of shapes.go, types.go and enums.go with the SDK's.
var mirrors = [][2]any{
	{cwapi.GetMetricDataInput{}, cloudwatch.GetMetricDataInput{}},
	{cwapi.GetMetricDataOutput{}, cloudwatch.GetMetricDataOutput{}},
	{cwapi.PutMetricDataInput{}, cloudwatch.PutMetricDataInput{}},
	{cwapi.PutMetricDataOutput{}, cloudwatch.PutMetricDataOutput{}},
	{cwapi.MetricDataQuery{}, types.MetricDataQuery{}},
	{cwapi.MetricStat{}, types.MetricStat{}},
	{cwapi.Metric{}, types.Metric{}},
	{cwapi.Dimension{}, types.Dimension{}},
	{cwapi.MetricDataResult{}, types.MetricDataResult{}},
	{cwapi.MessageData{}, types.MessageData{}},
	{cwapi.LabelOptions{}, types.LabelOptions{}},
	{cwapi.MetricDatum{}, types.MetricDatum{}},
	{cwapi.StatisticSet{}, types.StatisticSet{}},
	{cwapi.EntityMetricData{}, types.EntityMetricData{}},
	{cwapi.Entity{}, types.Entity{}},
	{cwapi.ScanBy(""), types.ScanBy("")},
	{cwapi.StandardUnit(""), types.StandardUnit("")},
	{cwapi.StatusCode(""), types.StatusCode("")},
}

// TestTypesMirrorTheSDK checks that shapes.go's, types.go's and enums.go's types
// mirror the SDK's (shapetest.Mirror).
func TestTypesMirrorTheSDK(t *testing.T) {
	t.Parallel()
	shapetest.Mirror(t, mirrors, "shapes.go", "types.go", "enums.go")
}

func TestEnumValuesAreTheSDKs(t *testing.T) {
	t.Parallel()
	for _, pair := range [][2]string{
		{string(cwapi.ScanByTimestampAscending), string(types.ScanByTimestampAscending)},
		{string(cwapi.ScanByTimestampDescending), string(types.ScanByTimestampDescending)},
		{string(cwapi.StatusCodeComplete), string(types.StatusCodeComplete)},
		{string(cwapi.StatusCodeInternalError), string(types.StatusCodeInternalError)},
		{string(cwapi.StatusCodePartialData), string(types.StatusCodePartialData)},
		{string(cwapi.StatusCodeForbidden), string(types.StatusCodeForbidden)},
		{string(cwapi.StandardUnit("Count")), string(types.StandardUnitCount)},
		{string(cwapi.StandardUnit("Milliseconds")), string(types.StandardUnitMilliseconds)},
	} {
		if pair[0] != pair[1] {
			t.Errorf("ours %q, the SDK's %q", pair[0], pair[1])
		}
	}
	if n := len(types.StatusCode("").Values()); n != 4 {
		t.Errorf("the SDK has %d status codes, cwapi 4", n)
	}
	if n := len(types.ScanBy("").Values()); n != 2 {
		t.Errorf("the SDK has %d scan orders, cwapi 2", n)
	}
}
