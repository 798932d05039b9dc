package apigw

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

type adminKey struct{}

func TestClaimValues(t *testing.T) {
	t.Parallel()
	for claim, want := range map[string][]string{
		"[jobline-admins users]":     {"jobline-admins", "users"},
		"[jobline-admins]":           {"jobline-admins"},
		`["jobline-admins","users"]`: {"jobline-admins", "users"},
		"openid jobline/admin email": {"openid", "jobline/admin", "email"},
		"a,b, c":                     {"a", "b", "c"},
		"jobline-admins":             {"jobline-admins"},
		"":                           nil,
		"[]":                         nil,
		"  [ spaced   out ]  ":       {"spaced", "out"},
		"jobline-admins-not-really":  {"jobline-admins-not-really"},
	} {
		if got := ClaimValues(claim); !slices.Equal(got, want) {
			t.Errorf("ClaimValues(%q) = %q, want %q", claim, got, want)
		}
	}
}

// TestAdminClaim marks as admin exactly the callers whose claim holds the
// value: Cognito groups, OAuth scopes (claim or the authorizer's parsed
// scopes), never a caller without a subject, never a near miss.
func TestAdminClaim(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		claim, value string
		claims       map[string]string
		scopes       []string
		want         bool
	}{
		{"cognito group", "cognito:groups", "jobline-admins", map[string]string{"sub": "u1", "cognito:groups": "[users jobline-admins]"}, nil, true},
		{"other groups", "cognito:groups", "jobline-admins", map[string]string{"sub": "u1", "cognito:groups": "[users jobline-admins-x]"}, nil, false},
		{"no groups", "cognito:groups", "jobline-admins", map[string]string{"sub": "u1"}, nil, false},
		{"scope claim", "scope", "jobline/admin", map[string]string{"sub": "u1", "scope": "openid jobline/admin"}, nil, true},
		{"authorizer scopes", "scope", "jobline/admin", map[string]string{"sub": "u1"}, []string{"jobline/admin"}, true},
		{"no subject", "cognito:groups", "jobline-admins", map[string]string{"cognito:groups": "[jobline-admins]"}, nil, false},
		{"admin claim off", "", "", map[string]string{"sub": "u1", "cognito:groups": "[jobline-admins]"}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var admin, user any
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				admin, user = r.Context().Value(adminKey{}), r.Context().Value(userKey{})
			})
			cfg := Config{Handler: h, WithUser: withUser, AdminClaim: tt.claim, AdminClaimValue: tt.value}
			if tt.claim != "" {
				cfg.WithAdmin = func(ctx context.Context) context.Context { return context.WithValue(ctx, adminKey{}, true) }
			}
			a, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			ev := events.APIGatewayV2HTTPRequest{RawPath: "/admin/me"}
			ev.RequestContext.HTTP.Method = "GET"
			ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
				JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: tt.claims, Scopes: tt.scopes},
			}
			if _, err := a.Handle(context.Background(), ev); err != nil {
				t.Fatal(err)
			}
			if got := admin == true; got != tt.want {
				t.Errorf("admin = %v, want %v (user %v)", got, tt.want, user)
			}
		})
	}
}

func TestAdminClaimNeedsItsValueAndMarker(t *testing.T) {
	t.Parallel()
	h := http.NotFoundHandler()
	for _, cfg := range []Config{
		{Handler: h, WithUser: withUser, AdminClaim: "cognito:groups", WithAdmin: func(ctx context.Context) context.Context { return ctx }},
		{Handler: h, WithUser: withUser, AdminClaim: "cognito:groups", AdminClaimValue: "admins"},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) accepted an incomplete admin claim", cfg)
		}
	}
}
