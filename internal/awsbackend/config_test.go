package awsbackend_test

import (
	"strings"
	"testing"
	"time"

	"jobline/internal/awsbackend"
)

func TestFromEnv(t *testing.T) {
	t.Setenv(awsbackend.EnvTable, "jobs")
	t.Setenv(awsbackend.EnvQueueURL, "http://q/default")
	t.Setenv(awsbackend.EnvHighQueueURL, "")
	t.Setenv(awsbackend.EnvDLQURL, "http://q/dlq")
	t.Setenv(awsbackend.EnvMaxReceiveCount, "7")
	t.Setenv(awsbackend.EnvRetentionDays, "2")
	t.Setenv(awsbackend.EnvEndpoint, "http://127.0.0.1:1")
	t.Setenv(awsbackend.EnvRegion, "eu-west-1")
	cfg, err := awsbackend.FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.TableName != "jobs" || cfg.HighQueueURL != "http://q/default" || cfg.MaxReceiveCount != 7 ||
		cfg.JobRetention != 48*time.Hour || cfg.Endpoint != "http://127.0.0.1:1" || cfg.Region != "eu-west-1" {
		t.Fatalf("config %+v", cfg)
	}
}

func TestFromEnvRejectsNumbers(t *testing.T) {
	for _, env := range []string{awsbackend.EnvMaxReceiveCount, awsbackend.EnvRetentionDays} {
		t.Run(env, func(t *testing.T) {
			t.Setenv(env, "many")
			if _, err := awsbackend.FromEnv(); err == nil || !strings.Contains(err.Error(), env) {
				t.Fatalf("FromEnv with %s=many: %v", env, err)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	full := awsbackend.Config{TableName: "t", QueueURL: "q", DeadLetterQueueURL: "d"}
	tests := []struct {
		name    string
		mutate  func(*awsbackend.Config)
		wantErr string
	}{
		{"complete", func(*awsbackend.Config) {}, ""},
		{"no table", func(c *awsbackend.Config) { c.TableName = "" }, awsbackend.EnvTable},
		{"no queue", func(c *awsbackend.Config) { c.QueueURL = "" }, awsbackend.EnvQueueURL},
		{"no dlq", func(c *awsbackend.Config) { c.DeadLetterQueueURL = "" }, awsbackend.EnvDLQURL},
		{"negative receive count", func(c *awsbackend.Config) { c.MaxReceiveCount = -1 }, "max receive count"},
		{"negative retention", func(c *awsbackend.Config) { c.JobRetention = -time.Hour }, "retention"},
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
