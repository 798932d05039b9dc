package cwapi_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"jobline/internal/awsapi/cwapi"
)

// mirrors pairs each type of shapes.go and types.go with the SDK's.
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

func TestTypesMirrorTheSDK(t *testing.T) {
	t.Parallel()
	var listed []string
	for _, m := range mirrors {
		ours, sdk := reflect.TypeOf(m[0]), reflect.TypeOf(m[1])
		listed = append(listed, ours.Name())
		if ours.Name() != sdk.Name() {
			t.Errorf("%s is paired with %s", ours, sdk)
		}
		for _, problem := range mirrorProblems(ours, sdk, ours.Name(), map[[2]reflect.Type]bool{}) {
			t.Error(problem)
		}
	}
	declared := declaredTypes(t, "shapes.go", "types.go")
	slices.Sort(listed)
	if !slices.Equal(listed, declared) {
		t.Errorf("the test pairs %v with the SDK's, shapes.go and types.go declare %v", listed, declared)
	}
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

// mirrorProblems lists how ours (at path) differs from the SDK's type:
// in kind, in the pointer, slice and map structure, in the names of the
// named types (ours being cwapi's copies, or the very type, such as
// time.Time), or in a struct's exported fields (ResultMetadata aside),
// which it compares recursively (seen stops at pairs already compared).
func mirrorProblems(ours, sdk reflect.Type, path string, seen map[[2]reflect.Type]bool) []string {
	if ours == sdk || seen[[2]reflect.Type{ours, sdk}] {
		return nil
	}
	seen[[2]reflect.Type{ours, sdk}] = true
	ourPkg := reflect.TypeFor[cwapi.Client]().PkgPath()
	if ours.Kind() != sdk.Kind() || ours.Name() != sdk.Name() || ours.Name() != "" && ours.PkgPath() != ourPkg {
		return []string{fmt.Sprintf("%s is %s (%s), the SDK's %s (%s)", path, ours, ours.Kind(), sdk, sdk.Kind())}
	}
	switch ours.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return mirrorProblems(ours.Elem(), sdk.Elem(), path+"[]", seen)
	case reflect.Map:
		return append(mirrorProblems(ours.Key(), sdk.Key(), path+"[key]", seen),
			mirrorProblems(ours.Elem(), sdk.Elem(), path+"[elem]", seen)...)
	case reflect.Struct:
		return fieldProblems(ours, sdk, path, seen)
	}
	return nil
}

// fieldProblems is mirrorProblems of two structs' fields.
func fieldProblems(ours, sdk reflect.Type, path string, seen map[[2]reflect.Type]bool) []string {
	var problems []string
	for f := range sdk.Fields() {
		if _, ok := ours.FieldByName(f.Name); f.IsExported() && f.Name != "ResultMetadata" && !ok {
			problems = append(problems, fmt.Sprintf("%s lacks the SDK's field %s", path, f.Name))
		}
	}
	for f := range ours.Fields() {
		if !f.IsExported() || f.Name == "ResultMetadata" {
			continue
		}
		g, ok := sdk.FieldByName(f.Name)
		if !ok {
			problems = append(problems, fmt.Sprintf("%s has field %s, the SDK's %s does not", path, f.Name, sdk))
			continue
		}
		problems = append(problems, mirrorProblems(f.Type, g.Type, path+"."+f.Name, seen)...)
	}
	return problems
}

// declaredTypes lists, sorted, the types the files declare.
func declaredTypes(t *testing.T, files ...string) []string {
	t.Helper()
	var names []string
	for _, name := range files {
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if ts, ok := n.(*ast.TypeSpec); ok {
				names = append(names, ts.Name.Name)
			}
			return true
		})
	}
	slices.Sort(names)
	return names
}
