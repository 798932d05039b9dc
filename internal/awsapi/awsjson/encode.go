package awsjson

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/encoding"
	smithytime "github.com/aws/smithy-go/time"
)

// errNilElement reports a nil list element or map value. The SDK's
// serializers would write malformed JSON for it ("[,x]" or `"k":}`).
var errNilElement = errors.New("nil value in a list or map (the SDK would send malformed JSON)")

// encoder accumulates one request body.
type encoder struct{ buf []byte }

var encoderPool = sync.Pool{New: func() any { return &encoder{buf: make([]byte, 0, 1024)} }}

// Marshal encodes v, a pointer to a struct shaped like an AWS SDK for Go v2
// operation input, as the body of an AWS JSON 1.0 request (awsJson1_0:
// DynamoDB, SQS, CloudWatch). A nil pointer encodes as {}, as the SDK does for
// nil params. Errors name the offending field path, e.g.
// `awsjson: PutItemInput.Item["x"]: ...`.
func Marshal(v any) ([]byte, error) {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer {
		if rv.Type().Elem().Kind() == reflect.Struct && rv.IsNil() {
			return []byte("{}"), nil
		}
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct || rv.Type() == timeType {
		return nil, fmt.Errorf("awsjson: Marshal needs a pointer to a struct, got %T", v)
	}
	e := encoderPool.Get().(*encoder)
	e.buf = e.buf[:0]
	err := e.encodeStruct(rv)
	var out []byte
	if err == nil {
		out = append([]byte(nil), e.buf...)
	}
	if cap(e.buf) <= 64<<10 {
		encoderPool.Put(e)
	}
	if err != nil {
		return nil, rooted(err, rootName(rv.Type()))
	}
	return out, nil
}

// encodeStruct writes struct v as a JSON object, omitting members the SDK
// omits.
func (e *encoder) encodeStruct(v reflect.Value) error {
	si, err := cachedStruct(v.Type())
	if err != nil {
		return err
	}
	e.buf = append(e.buf, '{')
	first := true
	for i := range si.fields {
		f := &si.fields[i]
		fv := v.Field(f.index)
		if omitMember(fv, f.always) {
			continue
		}
		if !first {
			e.buf = append(e.buf, ',')
		}
		first = false
		e.buf = append(e.buf, f.key...)
		if err := e.encodeValue(fv); err != nil {
			return at(err, "."+f.name)
		}
	}
	e.buf = append(e.buf, '}')
	return nil
}

// omitMember reports whether the SDK leaves struct member v off the wire:
// nil references always, zero non-pointer scalars unless always is set.
func omitMember(v reflect.Value, always bool) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Map, reflect.Slice:
		return v.IsNil()
	case reflect.String:
		return !always && v.Len() == 0
	case reflect.Bool:
		return !always && !v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return !always && v.Int() == 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return !always && v.Uint() == 0
	case reflect.Float32, reflect.Float64:
		return !always && v.Float() == 0 // NaN != 0: encoded, as in the SDK
	case reflect.Struct:
		return v.Type() == timeType && !always && timeOf(v).IsZero()
	}
	return false
}

// encodeValue writes any supported value; nothing is omitted at this level.
func (e *encoder) encodeValue(v reflect.Value) error {
	switch v.Kind() {
	case reflect.String:
		e.buf = appendString(e.buf, v.String())
	case reflect.Bool:
		e.buf = strconv.AppendBool(e.buf, v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		e.buf = strconv.AppendInt(e.buf, v.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		e.buf = strconv.AppendUint(e.buf, v.Uint(), 10)
	case reflect.Float32:
		e.buf = appendFloat(e.buf, v.Float(), 32)
	case reflect.Float64:
		e.buf = appendFloat(e.buf, v.Float(), 64)
	case reflect.Pointer:
		if v.IsNil() {
			return errNilElement
		}
		return e.encodeValue(v.Elem())
	case reflect.Interface:
		return e.encodeInterface(v)
	case reflect.Slice:
		return e.encodeSlice(v)
	case reflect.Map:
		return e.encodeMap(v)
	case reflect.Struct:
		if v.Type() == timeType {
			e.buf = appendFloat(e.buf, smithytime.FormatEpochSeconds(timeOf(v)), 64)
			return nil
		}
		return e.encodeStruct(v)
	default:
		return fmt.Errorf("unsupported type %s", v.Type())
	}
	return nil
}

// encodeInterface writes a DynamoDB AttributeValue; other interfaces are
// not part of the shapes this package supports.
func (e *encoder) encodeInterface(v reflect.Value) error {
	if v.Type() != avType {
		return fmt.Errorf("unsupported interface type %s (only DynamoDB types.AttributeValue is supported)", v.Type())
	}
	if v.IsNil() {
		return errNilElement
	}
	return e.encodeAV(v.Interface().(ddbtypes.AttributeValue))
}

// encodeSlice writes []byte as base64 and other slices as JSON arrays.
func (e *encoder) encodeSlice(v reflect.Value) error {
	if v.IsNil() {
		return errNilElement
	}
	if v.Type().Elem().Kind() == reflect.Uint8 {
		e.buf = appendBytes(e.buf, v.Bytes())
		return nil
	}
	e.buf = append(e.buf, '[')
	for i := range v.Len() {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		if err := e.encodeValue(v.Index(i)); err != nil {
			return at(err, indexSeg(i))
		}
	}
	e.buf = append(e.buf, ']')
	return nil
}

// encodeMap writes a map with string keys as a JSON object, in map
// iteration order (as the SDK does).
func (e *encoder) encodeMap(v reflect.Value) error {
	if v.IsNil() {
		return errNilElement
	}
	t := v.Type()
	if t.Key().Kind() != reflect.String {
		return fmt.Errorf("unsupported map key type %s", t.Key())
	}
	if m, ok := v.Interface().(map[string]ddbtypes.AttributeValue); ok {
		return e.encodeAVMap(e.buf, m)
	}
	key := reflect.New(t.Key()).Elem()
	val := reflect.New(t.Elem()).Elem()
	e.buf = append(e.buf, '{')
	first := true
	for it := v.MapRange(); it.Next(); {
		key.SetIterKey(it)
		val.SetIterValue(it)
		if !first {
			e.buf = append(e.buf, ',')
		}
		first = false
		e.buf = append(appendString(e.buf, key.String()), ':')
		if err := e.encodeValue(val); err != nil {
			return at(err, keySeg(key.String()))
		}
	}
	e.buf = append(e.buf, '}')
	return nil
}

// timeOf reads a time.Time value without boxing it when possible.
func timeOf(v reflect.Value) time.Time {
	if v.CanAddr() {
		return *v.Addr().Interface().(*time.Time)
	}
	return v.Interface().(time.Time)
}

// appendFloat writes f like smithy-go: NaN and ±Inf as strings, otherwise
// the ES6-style shortest representation.
func appendFloat(buf []byte, f float64, bits int) []byte {
	switch {
	case math.IsNaN(f):
		return append(buf, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(buf, `"Infinity"`...)
	case math.IsInf(f, -1):
		return append(buf, `"-Infinity"`...)
	}
	return encoding.EncodeFloat(buf, f, bits)
}

// appendBytes writes b as a standard base64 JSON string, or null when nil
// (smithy-go's Base64EncodeBytes).
func appendBytes(buf, b []byte) []byte {
	if b == nil {
		return append(buf, "null"...)
	}
	buf = append(buf, '"')
	buf = base64.StdEncoding.AppendEncode(buf, b)
	return append(buf, '"')
}

const hexDigits = "0123456789abcdef"

// appendString writes s as a JSON string escaped exactly like smithy-go's
// JSON encoder: `"` and `\` are backslash-escaped, \n \r \t get short forms,
// other control bytes \u00XX, invalid UTF-8 \ufffd, U+2028/U+2029 \u202X;
// `<`, `>` and `&` are written as is.
func appendString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' {
				i++
				continue
			}
			buf = append(buf, s[start:i]...)
			switch b {
			case '"', '\\':
				buf = append(buf, '\\', b)
			case '\n':
				buf = append(buf, '\\', 'n')
			case '\r':
				buf = append(buf, '\\', 'r')
			case '\t':
				buf = append(buf, '\\', 't')
			default:
				buf = append(buf, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case c == utf8.RuneError && size == 1:
			buf = append(append(buf, s[start:i]...), `\ufffd`...)
		case c == '\u2028' || c == '\u2029':
			buf = append(append(buf, s[start:i]...), '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}
