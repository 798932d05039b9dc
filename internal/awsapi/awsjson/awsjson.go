// Package awsjson is a small reflection-based codec for the AWS JSON 1.0
// protocol (awsJson1_0: DynamoDB, SQS; CloudWatch's JSON protocols use the
// same body encoding).
//
// It encodes and decodes structs shaped like the AWS SDK for Go v2 operation
// inputs and outputs (same Go field names and field types) and reproduces what
// the SDK's generated serializers put on the wire, without linking the SDK's
// service client packages. Only the DynamoDB shape types package is imported,
// for its AttributeValue union.
//
// Wire rules, as in the SDK:
//   - members encode under their Go field name; unexported fields and fields
//     named ResultMetadata or ErrorCodeOverride are skipped;
//   - nil pointers, slices, maps and interfaces are omitted; empty non-nil
//     slices and maps are encoded as [] and {};
//   - non-pointer scalars (numbers, bools, strings and string enums) are
//     omitted when zero, except members the SDK treats as required (SQS
//     ChangeMessageVisibilityInput.VisibilityTimeout and
//     ChangeMessageVisibilityBatchRequestEntry.VisibilityTimeout) or tagged
//     `awsjson:"always"`;
//   - []byte is standard base64, time.Time is epoch seconds with millisecond
//     precision, NaN and ±Inf floats are the strings "NaN", "Infinity" and
//     "-Infinity";
//   - strings are escaped like smithy-go's JSON encoder (no HTML escaping).
package awsjson

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

var (
	timeType  = reflect.TypeFor[time.Time]()
	bytesType = reflect.TypeFor[[]byte]()
	avType    = reflect.TypeFor[ddbtypes.AttributeValue]()
	errorType = reflect.TypeFor[error]()
)

// alwaysEncoded lists "Type.Field" members that the SDK serializes even when
// zero because the model marks them required without a pointer type.
var alwaysEncoded = map[string]bool{
	"ChangeMessageVisibilityInput.VisibilityTimeout":             true,
	"ChangeMessageVisibilityBatchRequestEntry.VisibilityTimeout": true,
}

// field describes one serialized struct member.
type field struct {
	name   string
	key    []byte // `"Name":`, pre-escaped
	index  int
	typ    reflect.Type
	always bool // encode even when zero
}

// structInfo is the cached wire layout of one struct type.
type structInfo struct {
	name    string
	fields  []field        // in SDK order (case-insensitive by name)
	byName  map[string]int // JSON key -> index into fields
	isError bool           // *T implements error and has Message *string
}

var structCache sync.Map // reflect.Type -> *structInfo or error

// cachedStruct returns the layout of struct type t, building it once.
func cachedStruct(t reflect.Type) (*structInfo, error) {
	if v, ok := structCache.Load(t); ok {
		if err, isErr := v.(error); isErr {
			return nil, err
		}
		return v.(*structInfo), nil
	}
	si, err := buildStruct(t)
	if err != nil {
		structCache.Store(t, err)
		return nil, err
	}
	v, _ := structCache.LoadOrStore(t, si)
	if err, isErr := v.(error); isErr {
		return nil, err
	}
	return v.(*structInfo), nil
}

// buildStruct computes the layout of struct type t.
func buildStruct(t reflect.Type) (*structInfo, error) {
	si := &structInfo{name: t.Name(), byName: map[string]int{}}
	for i := range t.NumField() {
		sf := t.Field(i)
		if sf.Anonymous {
			if sf.IsExported() || hasExportedFields(sf.Type) {
				return nil, fmt.Errorf("embedded field %s of %s is not supported", sf.Name, t)
			}
			continue // noSmithyDocumentSerde
		}
		if !sf.IsExported() || sf.Name == "ResultMetadata" || sf.Name == "ErrorCodeOverride" {
			continue
		}
		f := field{name: sf.Name, index: i, typ: sf.Type}
		f.key = append(appendString(nil, sf.Name), ':')
		f.always = alwaysEncoded[t.Name()+"."+sf.Name] || sf.Tag.Get("awsjson") == "always"
		si.fields = append(si.fields, f)
	}
	slices.SortStableFunc(si.fields, func(a, b field) int {
		if c := strings.Compare(strings.ToLower(a.name), strings.ToLower(b.name)); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})
	for i, f := range si.fields {
		si.byName[f.name] = i
	}
	if i, ok := si.byName["Message"]; ok && si.fields[i].typ == reflect.TypeFor[*string]() {
		si.isError = reflect.PointerTo(t).Implements(errorType)
	}
	return si, nil
}

// hasExportedFields reports whether t (or *t) is a struct with exported
// fields, which an embedding would promote.
func hasExportedFields(t reflect.Type) bool {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return false
	}
	for i := range t.NumField() {
		if t.Field(i).IsExported() {
			return true
		}
	}
	return false
}

// pathError is an error at a field path inside the value being encoded or
// decoded. Segments are collected innermost first while unwinding.
type pathError struct {
	root string
	segs []string // reversed
	err  error
}

func (e *pathError) Error() string {
	var b strings.Builder
	b.WriteString("awsjson: ")
	b.WriteString(e.root)
	for i := len(e.segs) - 1; i >= 0; i-- {
		b.WriteString(e.segs[i])
	}
	b.WriteString(": ")
	b.WriteString(e.err.Error())
	return b.String()
}

func (e *pathError) Unwrap() error { return e.err }

// at prefixes the path segment seg (".Name", "[3]" or `["key"]`) to err.
func at(err error, seg string) error {
	if pe, ok := err.(*pathError); ok {
		pe.segs = append(pe.segs, seg)
		return pe
	}
	return &pathError{segs: []string{seg}, err: err}
}

// rooted finishes err with the name of the top-level type.
func rooted(err error, root string) error {
	if pe, ok := err.(*pathError); ok {
		pe.root = root
		return pe
	}
	return &pathError{root: root, err: err}
}

// rootName names the top-level type in errors.
func rootName(t reflect.Type) string {
	if t.Name() != "" {
		return t.Name()
	}
	return t.String()
}

// keySeg renders a map key path segment.
func keySeg(k string) string { return fmt.Sprintf("[%q]", k) }

// indexSeg renders a list index path segment.
func indexSeg(i int) string { return fmt.Sprintf("[%d]", i) }
