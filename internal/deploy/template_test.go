package deploy_test

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"jobline/internal/deploy"
	"jobline/internal/envconfig"
)

// template is template.yaml as a YAML tree. CloudFormation's short tags
// (!Ref, !GetAtt) stay on their nodes; the values checked here are plain.
func template(t *testing.T) *yaml.Node {
	t.Helper()
	raw, err := os.ReadFile("../../template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("parse template.yaml: %v", err)
	}
	return doc.Content[0]
}

// value returns the scalar at path (mapping keys from the root).
func value(t *testing.T, root *yaml.Node, path ...string) string {
	t.Helper()
	n := root
	for _, key := range path {
		var next *yaml.Node
		for i := 0; n.Kind == yaml.MappingNode && i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				next = n.Content[i+1]
			}
		}
		if next == nil {
			t.Fatalf("template.yaml has no %s", strings.Join(path, "."))
		}
		n = next
	}
	if n.Kind != yaml.ScalarNode {
		t.Fatalf("template.yaml %s is not a plain value", strings.Join(path, "."))
	}
	return n.Value
}

// TestConstantsMatchTemplate fails when a constant and the value it
// mirrors in template.yaml differ: change both together.
func TestConstantsMatchTemplate(t *testing.T) {
	t.Parallel()
	root := template(t)
	seconds := func(d time.Duration) string { return strconv.Itoa(int(d / time.Second)) }
	tests := []struct {
		path []string
		want string
	}{
		{[]string{"Resources", "JobsQueue", "Properties", "RedrivePolicy", "maxReceiveCount"}, strconv.Itoa(deploy.MaxReceiveCount)},
		{[]string{"Resources", "JobsHighQueue", "Properties", "RedrivePolicy", "maxReceiveCount"}, strconv.Itoa(deploy.MaxReceiveCount)},
		{[]string{"Globals", "Function", "Environment", "Variables", "JOBLINE_MAX_RECEIVE_COUNT"}, strconv.Itoa(deploy.MaxReceiveCount)},
		{[]string{"Resources", "JobsQueue", "Properties", "VisibilityTimeout"}, seconds(deploy.VisibilityTimeout)},
		{[]string{"Resources", "JobsHighQueue", "Properties", "VisibilityTimeout"}, seconds(deploy.VisibilityTimeout)},
		{[]string{"Resources", "ProcessJobFunction", "Properties", "Environment", "Variables", deploy.EnvVisibilityTimeout}, seconds(deploy.VisibilityTimeout)},
		{[]string{"Resources", "ProcessJobFunction", "Properties", "Timeout"}, seconds(deploy.ProcessJobTimeout)},
		{[]string{"Parameters", "JobRetentionDays", "Default"}, strconv.Itoa(int(deploy.JobRetention / (24 * time.Hour)))},
		{[]string{"Parameters", "ProcessBatchSize", "Default"}, strconv.Itoa(deploy.ProcessBatchSize)},
		{[]string{"Globals", "Function", "MemorySize"}, strconv.Itoa(deploy.FunctionMemoryMB)},
		{[]string{"Parameters", "ProcessMemorySize", "Default"}, strconv.Itoa(deploy.ProcessJobMemoryMB)},
		{[]string{"Parameters", "CreationShards", "Default"}, strconv.Itoa(deploy.CreationShards)},
		{[]string{"Parameters", "SweepShards", "Default"}, strconv.Itoa(deploy.SweepShards)},
		{[]string{"Parameters", "CreationShards", "MaxValue"}, strconv.Itoa(deploy.MaxShards)},
		{[]string{"Parameters", "SweepShards", "MaxValue"}, strconv.Itoa(deploy.MaxShards)},
	}
	for _, tt := range tests {
		if got := value(t, root, tt.path...); got != tt.want {
			t.Errorf("template.yaml %s = %s, but the Go constant says %s", strings.Join(tt.path, "."), got, tt.want)
		}
	}
}

func TestVisibilityTimeoutFromEnv(t *testing.T) {
	t.Parallel()
	tests := []struct {
		value   string // "" leaves the variable unset
		want    time.Duration
		wantErr string
	}{
		{"", deploy.VisibilityTimeout, ""},
		{"600", 10 * time.Minute, ""},
		{"43200", 12 * time.Hour, ""},
		{"0", 0, "must be within 1..43200 seconds"},
		{"-5", 0, "must be within 1..43200 seconds"},
		{"43201", 0, "must be within 1..43200 seconds"},
		{"30m", 0, "not an integer"},
	}
	for _, tt := range tests {
		env := envconfig.FromMap(map[string]string{deploy.EnvVisibilityTimeout: tt.value})
		got := deploy.VisibilityTimeoutFromEnv(env, deploy.VisibilityTimeout)
		err := env.Err()
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), deploy.EnvVisibilityTimeout) {
				t.Errorf("%q: error %v; want one naming %s with %q", tt.value, err, deploy.EnvVisibilityTimeout, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%q: %v, %v; want %v", tt.value, got, err, tt.want)
		}
	}
}
