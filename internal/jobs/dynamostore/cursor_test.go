package dynamostore

import (
	"errors"
	"testing"
	"time"

	"jobline/internal/jobs"
)

// TestCursorRoundTrip checks that a page's cursor decodes to the creation
// key it was made of, only for a list of its own kind.
func TestCursorRoundTrip(t *testing.T) {
	t.Parallel()
	key := creationKey(time.Date(2030, 1, 2, 3, 4, 5, 6, time.UTC), "job-1")
	for _, all := range []bool{false, true} {
		got, err := decodeCursor(encodeCursor(key, all), all)
		if err != nil || got != key {
			t.Errorf("allOwners %v: %q, %v; want %q", all, got, err, key)
		}
		if _, err := decodeCursor(encodeCursor(key, all), !all); !errors.Is(err, jobs.ErrInvalidCursor) {
			t.Errorf("allOwners %v: a cursor of the other kind decoded: %v", all, err)
		}
	}
}

// FuzzDecodeCursor feeds decodeCursor arbitrary text: it never panics, and
// it either rejects the text with jobs.ErrInvalidCursor or returns a
// creation key (a fixed-width time, '#', a job ID) that a cursor of the
// same kind carries back unchanged.
func FuzzDecodeCursor(f *testing.F) {
	key := creationKey(time.Date(2030, 1, 2, 3, 4, 5, 6, time.UTC), "job-1")
	f.Add(encodeCursor(key, false), false)
	f.Add(encodeCursor(key, true), true)
	f.Add("garbage!!", false)
	f.Add("", true)
	f.Fuzz(func(t *testing.T, s string, allOwners bool) {
		got, err := decodeCursor(s, allOwners)
		if err != nil {
			if !errors.Is(err, jobs.ErrInvalidCursor) {
				t.Fatalf("decodeCursor(%q) = %v, not ErrInvalidCursor", s, err)
			}
			return
		}
		created, id, ok := cutCreationKey(got)
		if _, perr := parseTime(created); !ok || id == "" || perr != nil {
			t.Fatalf("decodeCursor(%q) = %q, not a creation key", s, got)
		}
		again, err := decodeCursor(encodeCursor(got, allOwners), allOwners)
		if err != nil || again != got {
			t.Fatalf("cursor of %q decodes to %q, %v", got, again, err)
		}
	})
}
