package dynamo_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"jobline/internal/awsapi/dynamo"
)

// mirrors pairs each input and output of shapes.go with the SDK's.
var mirrors = [][2]any{
	{dynamo.PutItemInput{}, dynamodb.PutItemInput{}},
	{dynamo.PutItemOutput{}, dynamodb.PutItemOutput{}},
	{dynamo.GetItemInput{}, dynamodb.GetItemInput{}},
	{dynamo.GetItemOutput{}, dynamodb.GetItemOutput{}},
	{dynamo.UpdateItemInput{}, dynamodb.UpdateItemInput{}},
	{dynamo.UpdateItemOutput{}, dynamodb.UpdateItemOutput{}},
	{dynamo.DeleteItemInput{}, dynamodb.DeleteItemInput{}},
	{dynamo.DeleteItemOutput{}, dynamodb.DeleteItemOutput{}},
	{dynamo.QueryInput{}, dynamodb.QueryInput{}},
	{dynamo.QueryOutput{}, dynamodb.QueryOutput{}},
	{dynamo.BatchGetItemInput{}, dynamodb.BatchGetItemInput{}},
	{dynamo.BatchGetItemOutput{}, dynamodb.BatchGetItemOutput{}},
	{dynamo.TransactWriteItemsInput{}, dynamodb.TransactWriteItemsInput{}},
	{dynamo.TransactWriteItemsOutput{}, dynamodb.TransactWriteItemsOutput{}},
}

// TestTypesMirrorTheSDK checks that each of shapes.go's types has the
// SDK's exported fields (ResultMetadata aside), of the very same types,
// and that the test pairs every type shapes.go declares.
func TestTypesMirrorTheSDK(t *testing.T) {
	t.Parallel()
	var listed []string
	for _, m := range mirrors {
		ours, sdk := reflect.TypeOf(m[0]), reflect.TypeOf(m[1])
		listed = append(listed, ours.Name())
		if ours.Name() != sdk.Name() {
			t.Errorf("%s is paired with %s", ours, sdk)
		}
		for f := range sdk.Fields() {
			if _, ok := ours.FieldByName(f.Name); f.IsExported() && f.Name != "ResultMetadata" && !ok {
				t.Errorf("%s lacks the SDK's field %s", ours, f.Name)
			}
		}
		for f := range ours.Fields() {
			if !f.IsExported() || f.Name == "ResultMetadata" {
				continue
			}
			if g, ok := sdk.FieldByName(f.Name); !ok {
				t.Errorf("%s has field %s, the SDK's %s does not", ours, f.Name, sdk)
			} else if g.Type != f.Type {
				t.Errorf("%s.%s is a %s, the SDK's a %s", ours, f.Name, f.Type, g.Type)
			}
		}
	}
	slices.Sort(listed)
	if declared := declaredTypes(t, "shapes.go"); !slices.Equal(listed, declared) {
		t.Errorf("the test pairs %v with the SDK's, shapes.go declares %v", listed, declared)
	}
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
