// Package envconfig reads typed settings from environment variables, the
// one way every Jobline process (the Lambda functions, the dev server, the
// AWS backend) turns its environment into configuration.
//
// A Reader collects every malformed value instead of stopping at the
// first, so that a bad deployment is reported in one go, each error naming
// its variable: JOBLINE_WORKERS="many": not an integer. A variable that is
// unset or empty keeps the default the caller passes.
package envconfig

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// ErrInvalid is wrapped by every error of a Reader.
var ErrInvalid = errors.New("invalid environment variable")

// Error is one malformed variable.
type Error struct {
	// Name is the variable, Value what it held.
	Name, Value string
	// Want says what the value should have been.
	Want string
}

// Error returns NAME="value": want.
func (e *Error) Error() string { return fmt.Sprintf("%s=%q: %s", e.Name, e.Value, e.Want) }

// Unwrap makes every Error match ErrInvalid.
func (e *Error) Unwrap() error { return ErrInvalid }

// Reader reads variables through a lookup function and remembers the
// errors. It is not safe for concurrent use; a process reads its
// configuration once, at start.
type Reader struct {
	lookup func(string) (string, bool)
	errs   []error
}

// New returns a Reader of the process environment.
func New() *Reader { return &Reader{lookup: os.LookupEnv} }

// FromMap returns a Reader of vars instead of the process environment (for
// tests).
func FromMap(vars map[string]string) *Reader {
	return &Reader{lookup: func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}}
}

// Err returns every error met so far, joined, or nil.
func (r *Reader) Err() error { return errors.Join(r.errs...) }

// value returns the variable's value, or ok false when it is unset or
// empty.
func (r *Reader) value(name string) (v string, ok bool) {
	v, _ = r.lookup(name)
	return v, v != ""
}

// add records that name's value raw is not what was wanted.
func (r *Reader) add(name, raw, want string) {
	r.errs = append(r.errs, &Error{Name: name, Value: raw, Want: want})
}

// parsed returns the variable parsed by parse, with ok false when it is
// unset or malformed (the error, saying want, is recorded).
func parsed[T any](r *Reader, name string, parse func(string) (T, error), want string) (x T, raw string, ok bool) {
	raw, set := r.value(name)
	if !set {
		return x, "", false
	}
	x, err := parse(strings.TrimSpace(raw))
	if err != nil {
		r.add(name, raw, want)
		return x, raw, false
	}
	return x, raw, true
}

// number returns the variable parsed by parse and within lo..hi (unit
// names their unit in the error), or def.
func number[T cmp.Ordered](r *Reader, name string, def, lo, hi T, parse func(string) (T, error), want, unit string) T {
	x, raw, ok := parsed(r, name, parse, want)
	switch {
	case !ok:
		return def
	case x < lo || x > hi:
		r.add(name, raw, fmt.Sprintf("must be within %v..%v%s", lo, hi, unit))
		return def
	}
	return x
}

// String returns the variable, or def.
func (r *Reader) String(name, def string) string {
	if v, ok := r.value(name); ok {
		return v
	}
	return def
}

// Int returns the variable as a base-10 integer within lo..hi, or def.
func (r *Reader) Int(name string, def, lo, hi int) int {
	return number(r, name, def, lo, hi, strconv.Atoi, "not an integer", "")
}

// Duration returns the variable as a Go duration ("10s", "2m", "500ms")
// within lo..hi, or def.
func (r *Reader) Duration(name string, def, lo, hi time.Duration) time.Duration {
	return number(r, name, def, lo, hi, time.ParseDuration, "not a duration like 10s or 2m", "")
}

// Seconds returns the variable, a whole number of seconds within lo..hi,
// as a duration, or def. Lambda settings are written this way (the
// template's VisibilityTimeout: "1800").
func (r *Reader) Seconds(name string, def, lo, hi time.Duration) time.Duration {
	return r.inUnits(name, def, lo, hi, time.Second, "seconds")
}

// Days returns the variable, a whole number of days within lo..hi, as a
// duration, or def.
func (r *Reader) Days(name string, def, lo, hi time.Duration) time.Duration {
	return r.inUnits(name, def, lo, hi, 24*time.Hour, "days")
}

// inUnits reads a whole number of unit within lo..hi as a duration.
func (r *Reader) inUnits(name string, def, lo, hi, unit time.Duration, unitName string) time.Duration {
	if _, ok := r.value(name); !ok {
		return def
	}
	return time.Duration(number(r, name, int(def/unit), int(lo/unit), int(hi/unit), strconv.Atoi, "not an integer", " "+unitName)) * unit
}

// Bool returns the variable as a boolean (1, t, true, 0, f, false, any
// case), or def.
func (r *Reader) Bool(name string, def bool) bool {
	if b, _, ok := parsed(r, name, strconv.ParseBool, "not a boolean (true or false)"); ok {
		return b
	}
	return def
}

// List returns the variable as comma-separated items, each trimmed of
// spaces, empty items dropped; or def.
func (r *Reader) List(name string, def []string) []string {
	v, ok := r.value(name)
	if !ok {
		return def
	}
	var out []string
	for item := range strings.SplitSeq(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}
