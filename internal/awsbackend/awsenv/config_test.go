package awsenv_test

import (
	"strings"
	"testing"
	"time"

	"jobline/internal/awsbackend/awsenv"
	"jobline/internal/blob/s3blob"
	"jobline/internal/deploy"
	"jobline/internal/envconfig"
)

func TestFromEnv(t *testing.T) {
	t.Setenv(awsenv.EnvTable, "jobs")
	t.Setenv(awsenv.EnvQueueURL, "http://q/default")
	t.Setenv(awsenv.EnvHighQueueURL, "")
	t.Setenv(awsenv.EnvDLQURL, "http://q/dlq")
	t.Setenv(awsenv.EnvMaxReceiveCount, "7")
	t.Setenv(awsenv.EnvRetentionDays, "2")
	t.Setenv(awsenv.EnvEndpoint, "http://127.0.0.1:1")
	t.Setenv(awsenv.EnvRegion, "eu-west-1")
	t.Setenv(awsenv.EnvAssetsBucket, "files")
	t.Setenv(awsenv.EnvAssetURLExpiry, "120")
	t.Setenv(awsenv.EnvCreationShards, "16")
	t.Setenv(awsenv.EnvSweepShards, "40")
	env := envconfig.New()
	cfg := awsenv.FromEnv(env)
	if err := env.Err(); err != nil {
		t.Fatal(err)
	}
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.TableName != "jobs" || cfg.HighQueueURL != "http://q/default" || cfg.MaxReceiveCount != 7 ||
		cfg.JobRetention != 48*time.Hour || cfg.Endpoint != "http://127.0.0.1:1" || cfg.Region != "eu-west-1" ||
		cfg.AssetsBucket != "files" || cfg.AssetURLExpiry != 2*time.Minute || cfg.CreationShards != 16 || cfg.SweepShards != 40 {
		t.Fatalf("config %+v", cfg)
	}
}

func TestFromEnvRejectsNumbers(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ name, value string }{
		{awsenv.EnvMaxReceiveCount, "many"},
		{awsenv.EnvMaxReceiveCount, "-1"},
		{awsenv.EnvRetentionDays, "many"},
		{awsenv.EnvAssetURLExpiry, "many"},
		{awsenv.EnvAssetURLExpiry, "604801"},
		{awsenv.EnvCreationShards, "0"},
		{awsenv.EnvCreationShards, "101"},
		{awsenv.EnvSweepShards, "-1"},
		{awsenv.EnvSweepShards, "many"},
	} {
		env := envconfig.FromMap(map[string]string{tt.name: tt.value})
		awsenv.FromEnv(env)
		if err := env.Err(); err == nil || !strings.Contains(err.Error(), tt.name) {
			t.Errorf("FromEnv with %s=%s: %v, want an error naming the variable", tt.name, tt.value, err)
		}
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	full := awsenv.Config{TableName: "t", QueueURL: "q", DeadLetterQueueURL: "d"}
	tests := []struct {
		name    string
		mutate  func(*awsenv.Config)
		wantErr string
	}{
		{"complete", func(*awsenv.Config) {}, ""},
		{"no table", func(c *awsenv.Config) { c.TableName = "" }, awsenv.EnvTable},
		{"no queue", func(c *awsenv.Config) { c.QueueURL = "" }, awsenv.EnvQueueURL},
		{"no dlq", func(c *awsenv.Config) { c.DeadLetterQueueURL = "" }, awsenv.EnvDLQURL},
		{"negative receive count", func(c *awsenv.Config) { c.MaxReceiveCount = -1 }, "max receive count"},
		{"negative retention", func(c *awsenv.Config) { c.JobRetention = -time.Hour }, "retention"},
		{"negative asset URL expiry", func(c *awsenv.Config) { c.AssetURLExpiry = -time.Second }, awsenv.EnvAssetURLExpiry},
		{"asset URL expiry beyond 7 days", func(c *awsenv.Config) { c.AssetURLExpiry = 8 * 24 * time.Hour }, awsenv.EnvAssetURLExpiry},
		{"creation shards beyond the most", func(c *awsenv.Config) { c.CreationShards = 101 }, awsenv.EnvCreationShards},
		{"negative sweep shards", func(c *awsenv.Config) { c.SweepShards = -1 }, awsenv.EnvSweepShards},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := full
			tt.mutate(&c)
			err := c.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Validate: %v, want an error about %q", err, tt.wantErr)
			}
		})
	}
}

// TestAssetURLExpiryBoundsAreS3s: awsenv restates s3blob's bounds so as not
// to link the S3 client into every function.
func TestAssetURLExpiryBoundsAreS3s(t *testing.T) {
	t.Parallel()
	if awsenv.DefaultAssetURLExpiry != s3blob.DefaultURLExpiry || awsenv.MaxAssetURLExpiry != s3blob.MaxURLExpiry {
		t.Fatalf("awsenv's asset URL expiry default %v and max %v; s3blob's %v and %v",
			awsenv.DefaultAssetURLExpiry, awsenv.MaxAssetURLExpiry, s3blob.DefaultURLExpiry, s3blob.MaxURLExpiry)
	}
}

// TestShardDefaults: a process told nothing uses template.yaml's default
// shard counts, as the functions (told them) do.
func TestShardDefaults(t *testing.T) {
	t.Parallel()
	c := awsenv.FromEnv(envconfig.FromMap(nil)).WithDefaults()
	if c.CreationShards != deploy.CreationShards || c.SweepShards != deploy.SweepShards {
		t.Fatalf("default shards %d and %d, want template.yaml's %d and %d", c.CreationShards, c.SweepShards, deploy.CreationShards, deploy.SweepShards)
	}
}
