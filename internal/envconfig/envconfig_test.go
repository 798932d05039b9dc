package envconfig_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"jobline/internal/envconfig"
)

func TestReaderReadsTypedValues(t *testing.T) {
	t.Parallel()
	r := envconfig.FromMap(map[string]string{
		"S": "text", "EMPTY": "", "I": " 42 ", "D": "1m30s", "SEC": "1800", "DAYS": "2",
		"B": "true", "L": " a, b ,,c ",
	})
	if got := r.String("S", "def"); got != "text" {
		t.Errorf("String = %q", got)
	}
	if got := r.String("EMPTY", "def"); got != "def" {
		t.Errorf("String of an empty variable = %q, want the default", got)
	}
	if got := r.String("UNSET", "def"); got != "def" {
		t.Errorf("String of an unset variable = %q, want the default", got)
	}
	if got := r.Int("I", 0, 1, 100); got != 42 {
		t.Errorf("Int = %d", got)
	}
	if got := r.Int("UNSET", 7, 1, 5); got != 7 {
		t.Errorf("Int of an unset variable = %d, want the default (not range-checked)", got)
	}
	if got := r.Duration("D", 0, 0, time.Hour); got != 90*time.Second {
		t.Errorf("Duration = %v", got)
	}
	if got := r.Seconds("SEC", 0, time.Second, 12*time.Hour); got != 30*time.Minute {
		t.Errorf("Seconds = %v", got)
	}
	if got := r.Seconds("UNSET", 1500*time.Millisecond, 0, time.Hour); got != 1500*time.Millisecond {
		t.Errorf("Seconds of an unset variable = %v, want the default as is", got)
	}
	if got := r.Days("DAYS", 0, 24*time.Hour, 365*24*time.Hour); got != 48*time.Hour {
		t.Errorf("Days = %v", got)
	}
	if got := r.Bool("B", false); !got {
		t.Errorf("Bool = %v", got)
	}
	if got := r.List("L", nil); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("List = %q", got)
	}
	if got := r.List("UNSET", []string{"x"}); !slices.Equal(got, []string{"x"}) {
		t.Errorf("List of an unset variable = %q, want the default", got)
	}
	if err := r.Err(); err != nil {
		t.Fatalf("Err = %v, want nil", err)
	}
}

func TestReaderReportsEveryBadValueByName(t *testing.T) {
	t.Parallel()
	r := envconfig.FromMap(map[string]string{
		"WORKERS": "many", "PORT": "70000", "GRACE": "10", "WAIT": "2h", "VISIBILITY": "30m", "TIMEOUT": "0", "DEBUG": "yes",
	})
	if got := r.Int("WORKERS", 4, 1, 256); got != 4 {
		t.Errorf("Int of a bad value = %d, want the default", got)
	}
	r.Int("PORT", 8080, 0, 65535)
	r.Duration("GRACE", time.Second, 0, time.Hour)
	r.Duration("WAIT", time.Second, 0, time.Hour)
	r.Seconds("VISIBILITY", time.Minute, time.Second, 12*time.Hour)
	r.Seconds("TIMEOUT", time.Minute, time.Second, 12*time.Hour)
	r.Bool("DEBUG", false)
	err := r.Err()
	if !errors.Is(err, envconfig.ErrInvalid) {
		t.Fatalf("Err = %v, want ErrInvalid", err)
	}
	for _, want := range []string{
		`WORKERS="many": not an integer`,
		`PORT="70000": must be within 0..65535`,
		`GRACE="10": not a duration like 10s or 2m`,
		`WAIT="2h": must be within 0s..1h0m0s`,
		`VISIBILITY="30m": not an integer`,
		`TIMEOUT="0": must be within 1..43200 seconds`,
		`DEBUG="yes": not a boolean`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Err = %v\nwant it to contain %s", err, want)
		}
	}
	var e *envconfig.Error
	if !errors.As(err, &e) || e.Name != "WORKERS" || e.Value != "many" {
		t.Errorf("first error = %+v, want *Error for WORKERS", e)
	}
}
