// Package shapetest checks, for tests, that the shape types of Jobline's
// AWS clients (package awsapi's service packages copy the SDK's operation
// inputs and outputs, and CloudWatch's member types) mirror the SDK's, so
// that awsjson encodes them as the SDK would and an SDK upgrade that changes
// a shape fails a test.
package shapetest

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"slices"
	"testing"
)

// Mirror checks each pair of pairs: ours (a value of our type) and the
// SDK's, by name, kind and structure, field by field (ResultMetadata
// aside); and that the pairs cover every type that files (of the test's
// package directory) declare.
func Mirror(t *testing.T, pairs [][2]any, files ...string) {
	t.Helper()
	var listed []string
	for _, m := range pairs {
		ours, sdk := reflect.TypeOf(m[0]), reflect.TypeOf(m[1])
		listed = append(listed, ours.Name())
		if ours.Name() != sdk.Name() {
			t.Errorf("%s is paired with %s", ours, sdk)
		}
		for _, problem := range mirrorProblems(ours, sdk, ours.PkgPath(), ours.Name(), map[[2]reflect.Type]bool{}) {
			t.Error(problem)
		}
	}
	slices.Sort(listed)
	if declared := declaredTypes(t, files...); !slices.Equal(listed, declared) {
		t.Errorf("the test pairs %v with the SDK's, %v declare %v", listed, files, declared)
	}
}

// mirrorProblems lists how ours (at path) differs from the SDK's type:
// in kind, in the pointer, slice and map structure, in the names of the
// named types (ours being our package's copies, or the very type, such
// as time.Time or the SDK's types.AttributeValue), or in a struct's exported fields (ResultMetadata aside),
// which it compares recursively (seen stops at pairs already compared).
func mirrorProblems(ours, sdk reflect.Type, ourPkg, path string, seen map[[2]reflect.Type]bool) []string {
	if ours == sdk || seen[[2]reflect.Type{ours, sdk}] {
		return nil
	}
	seen[[2]reflect.Type{ours, sdk}] = true
	if ours.Kind() != sdk.Kind() || ours.Name() != sdk.Name() || ours.Name() != "" && ours.PkgPath() != ourPkg {
		return []string{fmt.Sprintf("%s is %s (%s), the SDK's %s (%s)", path, ours, ours.Kind(), sdk, sdk.Kind())}
	}
	switch ours.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return mirrorProblems(ours.Elem(), sdk.Elem(), ourPkg, path+"[]", seen)
	case reflect.Map:
		return append(mirrorProblems(ours.Key(), sdk.Key(), ourPkg, path+"[key]", seen),
			mirrorProblems(ours.Elem(), sdk.Elem(), ourPkg, path+"[elem]", seen)...)
	case reflect.Struct:
		return fieldProblems(ours, sdk, ourPkg, path, seen)
	}
	return nil
}

// fieldProblems is mirrorProblems of two structs' fields.
func fieldProblems(ours, sdk reflect.Type, ourPkg, path string, seen map[[2]reflect.Type]bool) []string {
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
		problems = append(problems, mirrorProblems(f.Type, g.Type, ourPkg, path+"."+f.Name, seen)...)
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
