package dynamostore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"jobline/internal/awsapi"
	"jobline/internal/awsapi/dynamo"
	"jobline/internal/jobs/dynamostore"
)

func TestConfigDefaults(t *testing.T) {
	t.Parallel()
	got := dynamostore.Config{TableName: "jobs"}.WithDefaults()
	if got.Retention != dynamostore.DefaultRetention || got.SweepShards != dynamostore.DefaultSweepShards {
		t.Fatalf("defaults: %+v", got)
	}
	set := dynamostore.Config{TableName: "jobs", Retention: time.Hour, SweepShards: 2}.WithDefaults()
	if set.Retention != time.Hour || set.SweepShards != 2 {
		t.Fatalf("WithDefaults overrode set fields: %+v", set)
	}
}

// TestNewRejectsBadWiring checks that New returns the error of a wiring
// mistake instead of panicking; it makes no request, so no emulator runs.
func TestNewRejectsBadWiring(t *testing.T) {
	t.Parallel()
	client, err := dynamo.New(context.Background(), aws.Config{Region: "us-east-1", Credentials: aws.AnonymousCredentials{}}, awsapi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		client  *dynamo.Client
		cfg     dynamostore.Config
		wantErr string // "" for success
	}{
		{"valid", client, dynamostore.Config{TableName: "jobs"}, ""},
		{"no table", client, dynamostore.Config{}, "TableName is required"},
		{"negative retention", client, dynamostore.Config{TableName: "jobs", Retention: -time.Hour}, "Retention"},
		{"negative shards", client, dynamostore.Config{TableName: "jobs", SweepShards: -1}, "SweepShards"},
		{"too many shards", client, dynamostore.Config{TableName: "jobs", CreationShards: 101}, "CreationShards"},
		{"negative window", client, dynamostore.Config{TableName: "jobs", WindowBatch: -1}, "WindowBatch"},
		{"no client", nil, dynamostore.Config{TableName: "jobs"}, "nil DynamoDB client"},
	}
	for _, c := range cases {
		store, err := dynamostore.New(c.client, c.cfg)
		if c.wantErr == "" {
			if err != nil || store == nil {
				t.Errorf("%s: New = %v, %v", c.name, store, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.wantErr) || store != nil {
			t.Errorf("%s: New = %v, %v; want an error about %s", c.name, store, err, c.wantErr)
		}
	}
}
