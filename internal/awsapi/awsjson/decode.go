package awsjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	smithytime "github.com/aws/smithy-go/time"
)

// Unmarshal decodes an AWS JSON 1.0 response body into v, a pointer to a
// struct shaped like an SDK operation output (or an SDK modelled error type
// such as *types.ConditionalCheckFailedException, whose Message member is
// also filled from the JSON key "message").
//
// Keys match Go field names exactly and unknown keys are ignored; JSON null
// leaves the zero value; numbers are range-checked for the target integer
// type; timestamps are epoch seconds kept to the millisecond (UTC), as in the
// SDK. An empty body leaves v unchanged. Errors name the offending field
// path, e.g. `awsjson: QueryOutput.Items[0]["pk"].B: ...`.
func Unmarshal(data []byte, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct || rv.Elem().Type() == timeType {
		return fmt.Errorf("awsjson: Unmarshal needs a non-nil pointer to a struct, got %T", v)
	}
	root := rootName(rv.Elem().Type())
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil {
		if errors.Is(err, io.EOF) {
			return nil
		}
		return fmt.Errorf("awsjson: %s: %w", root, err)
	}
	if err := decodeValue(rv.Elem(), raw); err != nil {
		return rooted(err, root)
	}
	return nil
}

// decodeValue stores raw, a value produced by encoding/json with UseNumber,
// into the settable v. A nil raw (JSON null) leaves v unchanged.
func decodeValue(v reflect.Value, raw any) error {
	if raw == nil {
		return nil
	}
	switch v.Kind() {
	case reflect.Pointer:
		return decodePointer(v, raw)
	case reflect.String:
		s, err := asString(raw)
		v.SetString(s)
		return err
	case reflect.Bool:
		b, err := asBool(raw)
		v.SetBool(b)
		return err
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return decodeInt(v, raw)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return decodeUint(v, raw)
	case reflect.Float32, reflect.Float64:
		f, err := asFloat(raw)
		v.SetFloat(f)
		return err
	case reflect.Slice:
		return decodeSlice(v, raw)
	case reflect.Map:
		return decodeMap(v, raw)
	case reflect.Struct:
		if v.Type() == timeType {
			return decodeTime(v, raw)
		}
		return decodeStruct(v, raw)
	case reflect.Interface:
		if v.Type() != avType {
			return fmt.Errorf("unsupported interface type %s (only DynamoDB types.AttributeValue is supported)", v.Type())
		}
		av, err := decodeAV(raw)
		if av != nil {
			v.Set(reflect.ValueOf(&av).Elem())
		}
		return err
	}
	return fmt.Errorf("unsupported type %s", v.Type())
}

// decodePointer allocates the pointee (reusing an existing struct, as the
// SDK does) and decodes into it.
func decodePointer(v reflect.Value, raw any) error {
	et := v.Type().Elem()
	if v.IsNil() || et.Kind() != reflect.Struct || et == timeType {
		v.Set(reflect.New(et))
	}
	return decodeValue(v.Elem(), raw)
}

// decodeStruct decodes a JSON object member by member.
func decodeStruct(v reflect.Value, raw any) error {
	obj, ok := raw.(map[string]any)
	if !ok {
		return kindError("object", raw)
	}
	si, err := cachedStruct(v.Type())
	if err != nil {
		return err
	}
	for k, x := range obj {
		i, ok := si.byName[k]
		if !ok && si.isError && k == "message" {
			i, ok = si.byName["Message"]
		}
		if !ok || x == nil {
			continue
		}
		f := &si.fields[i]
		if err := decodeValue(v.Field(f.index), x); err != nil {
			return at(err, "."+f.name)
		}
	}
	return nil
}

// decodeSlice decodes base64 into []byte and JSON arrays into other slices.
// An empty array yields a non-nil empty slice, as in the SDK; null elements
// become zero values.
func decodeSlice(v reflect.Value, raw any) error {
	t := v.Type()
	if t.Elem().Kind() == reflect.Uint8 {
		b, err := asBytes(raw)
		v.SetBytes(b)
		return err
	}
	if t == avListType {
		list, err := decodeAVList(raw)
		v.Set(reflect.ValueOf(list))
		return err
	}
	arr, ok := raw.([]any)
	if !ok {
		return kindError("array", raw)
	}
	s := reflect.MakeSlice(t, len(arr), len(arr))
	for i, x := range arr {
		if err := decodeValue(s.Index(i), x); err != nil {
			return at(err, indexSeg(i))
		}
	}
	v.Set(s)
	return nil
}

var avListType = reflect.TypeFor[[]ddbtypes.AttributeValue]()

// decodeMap decodes a JSON object into a map with string keys, merging into
// an existing map as the SDK does; null values store the zero value.
func decodeMap(v reflect.Value, raw any) error {
	t := v.Type()
	if t.Key().Kind() != reflect.String {
		return fmt.Errorf("unsupported map key type %s", t.Key())
	}
	obj, ok := raw.(map[string]any)
	if !ok {
		return kindError("object", raw)
	}
	if v.IsNil() {
		v.Set(reflect.MakeMapWithSize(t, len(obj)))
	}
	if m, ok := v.Interface().(map[string]ddbtypes.AttributeValue); ok {
		_, err := decodeAVMap(obj, m)
		return err
	}
	key := reflect.New(t.Key()).Elem()
	val := reflect.New(t.Elem()).Elem()
	for k, x := range obj {
		val.SetZero()
		if err := decodeValue(val, x); err != nil {
			return at(err, keySeg(k))
		}
		key.SetString(k)
		v.SetMapIndex(key, val)
	}
	return nil
}

// decodeInt parses a JSON number into a signed integer, rejecting fractions
// and values that overflow the target type.
func decodeInt(v reflect.Value, raw any) error {
	n, ok := raw.(json.Number)
	if !ok {
		return kindError("number", raw)
	}
	i, err := strconv.ParseInt(string(n), 10, v.Type().Bits())
	if err != nil {
		return numberError(n, v.Type(), err)
	}
	v.SetInt(i)
	return nil
}

// decodeUint parses a JSON number into an unsigned integer.
func decodeUint(v reflect.Value, raw any) error {
	n, ok := raw.(json.Number)
	if !ok {
		return kindError("number", raw)
	}
	u, err := strconv.ParseUint(string(n), 10, v.Type().Bits())
	if err != nil {
		return numberError(n, v.Type(), err)
	}
	v.SetUint(u)
	return nil
}

// numberError explains a failed integer parse.
func numberError(n json.Number, t reflect.Type, err error) error {
	if errors.Is(err, strconv.ErrRange) {
		return fmt.Errorf("number %s overflows %s", n, t)
	}
	return fmt.Errorf("number %s is not a valid %s", n, t)
}

// asFloat parses a JSON number, or the strings "NaN", "Infinity" and
// "-Infinity" (case-insensitively, as the SDK does).
func asFloat(raw any) (float64, error) {
	switch x := raw.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil {
			return 0, fmt.Errorf("invalid number %s: %w", x, err)
		}
		return f, nil
	case string:
		switch {
		case strings.EqualFold(x, "NaN"):
			return math.NaN(), nil
		case strings.EqualFold(x, "Infinity"):
			return math.Inf(1), nil
		case strings.EqualFold(x, "-Infinity"):
			return math.Inf(-1), nil
		}
		return 0, fmt.Errorf("unexpected string %q for a number", x)
	}
	return 0, kindError("number", raw)
}

// decodeTime parses epoch seconds with smithy-go's ParseEpochSeconds
// (millisecond precision, UTC).
func decodeTime(v reflect.Value, raw any) error {
	n, ok := raw.(json.Number)
	if !ok {
		return kindError("epoch-seconds number", raw)
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil {
		return fmt.Errorf("invalid timestamp %s: %w", n, err)
	}
	t := smithytime.ParseEpochSeconds(f)
	if v.CanAddr() {
		*v.Addr().Interface().(*time.Time) = t
	} else {
		v.Set(reflect.ValueOf(t))
	}
	return nil
}

// kindError reports a JSON value of the wrong kind.
func kindError(want string, raw any) error {
	var got string
	switch x := raw.(type) {
	case nil:
		got = "null"
	case string:
		got = strconv.Quote(truncate(x))
	case json.Number:
		got = "number " + string(x)
	case bool:
		got = "boolean"
	case []any:
		got = "array"
	case map[string]any:
		got = "object"
	default:
		got = fmt.Sprintf("%T", raw)
	}
	return fmt.Errorf("expected %s, got %s", want, got)
}

// truncate shortens s for error messages.
func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
