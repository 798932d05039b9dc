package adminfn

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"jobline/internal/api"
	"jobline/internal/awsbackend/awsenv"
	"jobline/internal/envconfig"
	"jobline/internal/metrics"
)

// The admin function's handler builds from the SDK configuration without a
// request and serves admins only.
func TestAdminHandlerServesAdminsOnly(t *testing.T) {
	t.Parallel()
	cfg := awsenv.Config{
		Region: "us-east-1", Endpoint: "http://127.0.0.1:1", TableName: "t", QueueURL: "http://127.0.0.1:1/1/q",
		DeadLetterQueueURL: "http://127.0.0.1:1/1/d", Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
	}.WithDefaults()
	awsCfg, err := awsenv.SDKConfig(envconfig.FromMap(nil), cfg)
	if err != nil {
		t.Fatal(err)
	}
	h, err := adminHandler(context.Background(), awsCfg, cfg, metrics.Discard{}, slog.New(slog.NewTextHandler(io.Discard, nil)), "Jobline/test")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		ctx  context.Context
		want int
	}{
		{api.WithUser(context.Background(), "u"), http.StatusNotFound},
		{api.WithAdmin(api.WithUser(context.Background(), "ops")), http.StatusOK},
	} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequestWithContext(c.ctx, "GET", "/admin/me", nil))
		if w.Code != c.want {
			t.Errorf("GET /admin/me: %d %s, want %d", w.Code, w.Body, c.want)
		}
	}
}
