package awsjson

import (
	"encoding/base64"
	"fmt"
	"reflect"

	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// encodeAV writes a DynamoDB AttributeValue as its single-key union object,
// like the SDK: nil collections inside a member encode as [] or {}, a nil B
// value as null.
func (e *encoder) encodeAV(av ddbtypes.AttributeValue) error {
	if rv := reflect.ValueOf(av); !rv.IsValid() || rv.Kind() == reflect.Pointer && rv.IsNil() {
		return errNilElement
	}
	e.buf = append(e.buf, '{')
	switch m := av.(type) {
	case *ddbtypes.AttributeValueMemberS:
		e.buf = appendString(append(e.buf, `"S":`...), m.Value)
	case *ddbtypes.AttributeValueMemberN:
		e.buf = appendString(append(e.buf, `"N":`...), m.Value)
	case *ddbtypes.AttributeValueMemberB:
		e.buf = appendBytes(append(e.buf, `"B":`...), m.Value)
	case *ddbtypes.AttributeValueMemberBOOL:
		e.buf = appendBool(append(e.buf, `"BOOL":`...), m.Value)
	case *ddbtypes.AttributeValueMemberNULL:
		e.buf = appendBool(append(e.buf, `"NULL":`...), m.Value)
	case *ddbtypes.AttributeValueMemberSS:
		e.buf = appendStrings(append(e.buf, `"SS":`...), m.Value)
	case *ddbtypes.AttributeValueMemberNS:
		e.buf = appendStrings(append(e.buf, `"NS":`...), m.Value)
	case *ddbtypes.AttributeValueMemberBS:
		e.buf = append(e.buf, `"BS":[`...)
		for i, b := range m.Value {
			if b == nil {
				return at(at(errNilElement, indexSeg(i)), ".BS")
			}
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			e.buf = appendBytes(e.buf, b)
		}
		e.buf = append(e.buf, ']')
	case *ddbtypes.AttributeValueMemberL:
		if err := e.encodeAVList(append(e.buf, `"L":`...), m.Value); err != nil {
			return at(err, ".L")
		}
	case *ddbtypes.AttributeValueMemberM:
		if err := e.encodeAVMap(append(e.buf, `"M":`...), m.Value); err != nil {
			return at(err, ".M")
		}
	default:
		return fmt.Errorf("unsupported AttributeValue member type %T", av)
	}
	e.buf = append(e.buf, '}')
	return nil
}

// encodeAVList sets e.buf to buf followed by list as a JSON array.
func (e *encoder) encodeAVList(buf []byte, list []ddbtypes.AttributeValue) error {
	e.buf = append(buf, '[')
	for i, av := range list {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		if err := e.encodeAV(av); err != nil {
			return at(err, indexSeg(i))
		}
	}
	e.buf = append(e.buf, ']')
	return nil
}

// encodeAVMap sets e.buf to buf followed by m as a JSON object.
func (e *encoder) encodeAVMap(buf []byte, m map[string]ddbtypes.AttributeValue) error {
	e.buf = append(buf, '{')
	first := true
	for k, av := range m {
		if !first {
			e.buf = append(e.buf, ',')
		}
		first = false
		e.buf = append(appendString(e.buf, k), ':')
		if err := e.encodeAV(av); err != nil {
			return at(err, keySeg(k))
		}
	}
	e.buf = append(e.buf, '}')
	return nil
}

// appendBool writes a JSON boolean.
func appendBool(buf []byte, b bool) []byte {
	if b {
		return append(buf, "true"...)
	}
	return append(buf, "false"...)
}

// appendStrings writes a JSON array of strings; nil encodes as [].
func appendStrings(buf []byte, s []string) []byte {
	buf = append(buf, '[')
	for i, x := range s {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = appendString(buf, x)
	}
	return append(buf, ']')
}

// decodeAV decodes a union object into an AttributeValue. Null members are
// ignored as in the SDK (no member: nil); an unknown member yields
// *types.UnknownUnionMember with only Tag set, exactly as the SDK does.
func decodeAV(raw any) (ddbtypes.AttributeValue, error) {
	if raw == nil {
		return nil, nil
	}
	obj, ok := raw.(map[string]any)
	if !ok {
		return nil, kindError("AttributeValue object", raw)
	}
	var key string
	var val any
	n := 0
	for k, x := range obj {
		if x != nil {
			key, val, n = k, x, n+1
		}
	}
	switch {
	case n == 0:
		return nil, nil
	case n > 1:
		return nil, fmt.Errorf("AttributeValue union has %d members, want 1", n)
	}
	av, err := decodeAVMember(key, val)
	if err != nil {
		return nil, at(err, "."+key)
	}
	return av, nil
}

// decodeAVMember decodes the value of union member key.
func decodeAVMember(key string, val any) (ddbtypes.AttributeValue, error) {
	var err error
	switch key {
	case "S":
		m := &ddbtypes.AttributeValueMemberS{}
		m.Value, err = asString(val)
		return m, err
	case "N":
		m := &ddbtypes.AttributeValueMemberN{}
		m.Value, err = asString(val)
		return m, err
	case "B":
		m := &ddbtypes.AttributeValueMemberB{}
		m.Value, err = asBytes(val)
		return m, err
	case "BOOL":
		m := &ddbtypes.AttributeValueMemberBOOL{}
		m.Value, err = asBool(val)
		return m, err
	case "NULL":
		m := &ddbtypes.AttributeValueMemberNULL{}
		m.Value, err = asBool(val)
		return m, err
	case "SS":
		m := &ddbtypes.AttributeValueMemberSS{}
		m.Value, err = asStrings(val)
		return m, err
	case "NS":
		m := &ddbtypes.AttributeValueMemberNS{}
		m.Value, err = asStrings(val)
		return m, err
	case "BS":
		m := &ddbtypes.AttributeValueMemberBS{}
		m.Value, err = asBytesList(val)
		return m, err
	case "L":
		m := &ddbtypes.AttributeValueMemberL{}
		m.Value, err = decodeAVList(val)
		return m, err
	case "M":
		m := &ddbtypes.AttributeValueMemberM{}
		m.Value, err = decodeAVMap(val, nil)
		return m, err
	}
	return &ddbtypes.UnknownUnionMember{Tag: key}, nil
}

// decodeAVList decodes a JSON array of AttributeValues; null elements stay nil.
func decodeAVList(raw any) ([]ddbtypes.AttributeValue, error) {
	arr, ok := raw.([]any)
	if !ok {
		return nil, kindError("array", raw)
	}
	out := make([]ddbtypes.AttributeValue, len(arr))
	for i, x := range arr {
		av, err := decodeAV(x)
		if err != nil {
			return nil, at(err, indexSeg(i))
		}
		out[i] = av
	}
	return out, nil
}

// decodeAVMap decodes a JSON object of AttributeValues into into (allocated
// when nil); null values are stored as nil, as in the SDK.
func decodeAVMap(raw any, into map[string]ddbtypes.AttributeValue) (map[string]ddbtypes.AttributeValue, error) {
	obj, ok := raw.(map[string]any)
	if !ok {
		return nil, kindError("object", raw)
	}
	if into == nil {
		into = make(map[string]ddbtypes.AttributeValue, len(obj))
	}
	for k, x := range obj {
		av, err := decodeAV(x)
		if err != nil {
			return nil, at(err, keySeg(k))
		}
		into[k] = av
	}
	return into, nil
}

// asString expects a JSON string.
func asString(raw any) (string, error) {
	s, ok := raw.(string)
	if !ok {
		return "", kindError("string", raw)
	}
	return s, nil
}

// asBool expects a JSON boolean.
func asBool(raw any) (bool, error) {
	b, ok := raw.(bool)
	if !ok {
		return false, kindError("boolean", raw)
	}
	return b, nil
}

// asBytes expects a standard base64 JSON string.
func asBytes(raw any) ([]byte, error) {
	s, ok := raw.(string)
	if !ok {
		return nil, kindError("base64 string", raw)
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("invalid base64: %w", err)
	}
	return b, nil
}

// asStrings expects an array of strings; null elements become "".
func asStrings(raw any) ([]string, error) {
	arr, ok := raw.([]any)
	if !ok {
		return nil, kindError("array", raw)
	}
	out := make([]string, len(arr))
	for i, x := range arr {
		if x == nil {
			continue
		}
		s, err := asString(x)
		if err != nil {
			return nil, at(err, indexSeg(i))
		}
		out[i] = s
	}
	return out, nil
}

// asBytesList expects an array of base64 strings; null elements stay nil.
func asBytesList(raw any) ([][]byte, error) {
	arr, ok := raw.([]any)
	if !ok {
		return nil, kindError("array", raw)
	}
	out := make([][]byte, len(arr))
	for i, x := range arr {
		if x == nil {
			continue
		}
		b, err := asBytes(x)
		if err != nil {
			return nil, at(err, indexSeg(i))
		}
		out[i] = b
	}
	return out, nil
}
