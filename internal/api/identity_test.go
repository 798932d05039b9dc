package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"jobline/internal/api"
	"jobline/internal/clock"
)

func TestHeaderIdentity(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		headers []string // X-User-Id values; nil sends none
		want    string
		wantOK  bool
	}{
		{"none", nil, "", false},
		{"plain", []string{"alice"}, "alice", true},
		{"trimmed", []string{"  alice\t"}, "alice", true},
		{"blank", []string{"   "}, "", false},
		{"longest", []string{strings.Repeat("u", api.MaxUserIDLength)}, strings.Repeat("u", api.MaxUserIDLength), true},
		{"too long", []string{strings.Repeat("u", api.MaxUserIDLength+1)}, "", false},
		{"control character", []string{"al\x00ice"}, "", false},
		{"not ascii", []string{"alicé"}, "", false},
		{"first of two", []string{"alice", "bob"}, "alice", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got string
			var ok bool
			h := api.HeaderIdentity(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
				got, ok = api.UserFrom(r.Context())
			}))
			r := httptest.NewRequest("GET", "/", nil)
			for _, v := range tt.headers {
				r.Header.Add(api.UserHeader, v)
			}
			h.ServeHTTP(httptest.NewRecorder(), r)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("user = %q, %v; want %q, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestWithUser(t *testing.T) {
	t.Parallel()
	if u, ok := api.UserFrom(context.Background()); ok || u != "" {
		t.Errorf("empty context: %q, %v", u, ok)
	}
	if u, ok := api.UserFrom(api.WithUser(context.Background(), "")); ok || u != "" {
		t.Errorf("empty user: %q, %v; want none", u, ok)
	}
	if u, ok := api.UserFrom(api.WithUser(context.Background(), "sub-123")); !ok || u != "sub-123" {
		t.Errorf("user = %q, %v; want sub-123", u, ok)
	}
}

func TestNewValidatesConfig(t *testing.T) {
	t.Parallel()
	valid := func() api.Config {
		return api.Config{Store: setup(t).store, Queue: newTestQueue(t, clock.Real{}), ValidateJob: validateJob}
	}
	tests := []struct {
		name   string
		change func(*api.Config)
		want   string // substring of the error; "" for success
	}{
		{"valid", func(*api.Config) {}, ""},
		{"no store", func(c *api.Config) { c.Store = nil }, "Store"},
		{"no queue", func(c *api.Config) { c.Queue = nil }, "Queue"},
		{"no validator", func(c *api.Config) { c.ValidateJob = nil }, "ValidateJob"},
		{"negative grace", func(c *api.Config) { c.QueuedGrace = -1 }, "QueuedGrace"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := valid()
			tt.change(&cfg)
			h, err := api.New(cfg)
			switch {
			case tt.want == "" && (err != nil || h == nil):
				t.Errorf("New = %v, %v; want a handler", h, err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("New error = %v, want one naming %s", err, tt.want)
			}
		})
	}
}

func TestRandomID(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 1000 {
		id := api.RandomID()
		if len(id) != 26 || strings.Trim(id, "abcdefghijklmnopqrstuvwxyz234567") != "" {
			t.Fatalf("id %q is not 26 lowercase base32 characters", id)
		}
		if seen[id] {
			t.Fatalf("duplicate id %q", id)
		}
		seen[id] = true
	}
}
