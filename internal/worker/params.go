package worker

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
)

// This file decodes a job's parameters into its type's parameter struct,
// and says what went wrong in words an API client understands: JSON field
// names and kinds ("parameters.seconds must be a number"), never the Go
// types behind them.

// decodeParams decodes raw, a JSON object (empty means {}), into a P,
// rejecting unknown fields so that a misspelt name is noticed.
func decodeParams[P any](raw json.RawMessage) (P, error) {
	var p P
	if len(bytes.TrimSpace(raw)) == 0 {
		raw = json.RawMessage(`{}`)
	}
	if !bytes.HasPrefix(bytes.TrimSpace(raw), []byte("{")) {
		return p, errors.New("parameters must be a JSON object")
	}
	if r, ok := any(&p).(*json.RawMessage); ok {
		// Any object, as is: only its validity is left to check.
		if !json.Valid(raw) {
			return p, errors.New("parameters are not valid JSON")
		}
		*r = append(json.RawMessage(nil), raw...)
		return p, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return p, describeDecodeError(err)
	}
	return p, nil
}

// validateParams decodes raw into a P and runs P's Validate method, if any.
func validateParams[P any](raw json.RawMessage) error {
	p, err := decodeParams[P](raw)
	if err != nil {
		return err
	}
	if v, ok := any(p).(Validator); ok {
		return v.Validate()
	}
	if v, ok := any(&p).(Validator); ok {
		return v.Validate()
	}
	return nil
}

// describeDecodeError turns an encoding/json error into a message about the
// JSON the client sent.
func describeDecodeError(err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		where := "parameters"
		if typeErr.Field != "" {
			where += "." + typeErr.Field
		}
		return fmt.Errorf("%s must be %s", where, withArticle(jsonKind(typeErr.Type)))
	case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return errors.New("parameters are not valid JSON")
	}
	if field, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return fmt.Errorf("parameters: unknown field %s", field)
	}
	// A custom UnmarshalJSON's own error, written for its callers.
	return fmt.Errorf("parameters: %w", err)
}

// Parameter is one JSON field of a job type's parameters.
type Parameter struct {
	// Name is the field's JSON name.
	Name string
	// Kind is its JSON kind: string, integer, number, boolean, array,
	// object or any.
	Kind string
}

// parametersOf lists the JSON fields of a struct type (or pointer to one),
// as encoding/json names them, the fields of embedded structs included;
// nil for any other type.
func parametersOf(t reflect.Type) []Parameter {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	var out []Parameter
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case name == "-":
		case f.Anonymous && name == "":
			out = append(out, parametersOf(f.Type)...)
		case !f.IsExported():
		case name == "":
			out = append(out, Parameter{Name: f.Name, Kind: jsonKind(f.Type)})
		default:
			out = append(out, Parameter{Name: name, Kind: jsonKind(f.Type)})
		}
	}
	return out
}

// jsonKind names the JSON kind that decodes into a value of type t.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Map, reflect.Struct:
		return "object"
	}
	return "any"
}

// withArticle puts "a" or "an" before a kind ("any" stays alone).
func withArticle(kind string) string {
	switch kind {
	case "any":
		return "a valid value"
	case "integer", "array", "object":
		return "an " + kind
	}
	return "a " + kind
}
