package lambdafn

import (
	"strings"
	"testing"
	"time"
)

func TestVisibilityTimeout(t *testing.T) {
	tests := []struct {
		name    string
		value   string // "" leaves the variable unset
		want    time.Duration
		wantErr string
	}{
		{"unset is the template's 1800s", "", 1800 * time.Second, ""},
		{"seconds", "600", 10 * time.Minute, ""},
		{"SQS maximum", "43200", 12 * time.Hour, ""},
		{"zero", "0", 0, "must be within 1..43200"},
		{"negative", "-5", 0, "must be within"},
		{"above the SQS maximum", "43201", 0, "must be within"},
		{"not a number", "30m", 0, "not an integer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(EnvVisibilityTimeout, tt.value)
			got, err := VisibilityTimeout()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), EnvVisibilityTimeout) {
					t.Fatalf("VisibilityTimeout() = %v, %v; want an error naming %s with %q", got, err, EnvVisibilityTimeout, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("VisibilityTimeout() = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}
