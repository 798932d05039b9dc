package awstest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TableSchema is what the capacity meter needs of a DynamoDB table: its
// key and its global secondary indexes with their projections, as
// template.yaml defines them.
type TableSchema struct {
	HashKey, RangeKey string
	Indexes           []IndexSchema
}

// IndexSchema is one global secondary index.
type IndexSchema struct {
	Name              string
	HashKey, RangeKey string
	// Projection is ALL, KEYS_ONLY or INCLUDE; NonKeyAttributes are the
	// attributes an INCLUDE projection adds.
	Projection       string
	NonKeyAttributes []string
}

// TemplatePath returns the path of the repository's template.yaml, found
// by walking up from the working directory (a package's test directory)
// to the module root.
func TemplatePath() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("template.yaml: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "template.yaml"), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("template.yaml: no go.mod above the working directory")
		}
		dir = parent
	}
}

// cfnTable is the part of an AWS::DynamoDB::Table's Properties that
// LoadTableSchema reads.
type cfnTable struct {
	KeySchema              []cfnKey `yaml:"KeySchema"`
	GlobalSecondaryIndexes []struct {
		IndexName  string   `yaml:"IndexName"`
		KeySchema  []cfnKey `yaml:"KeySchema"`
		Projection struct {
			ProjectionType   string   `yaml:"ProjectionType"`
			NonKeyAttributes []string `yaml:"NonKeyAttributes"`
		} `yaml:"Projection"`
	} `yaml:"GlobalSecondaryIndexes"`
}

type cfnKey struct {
	AttributeName string `yaml:"AttributeName"`
	KeyType       string `yaml:"KeyType"`
}

// keys returns the HASH and RANGE attribute names of a key schema.
func keys(ks []cfnKey) (hash, rng string) {
	for _, k := range ks {
		switch k.KeyType {
		case "HASH":
			hash = k.AttributeName
		case "RANGE":
			rng = k.AttributeName
		}
	}
	return hash, rng
}

// JobsTableSchema is template.yaml's JobsTable, and the template's path,
// for a test's meter (and what else the test reads of the template).
func JobsTableSchema(t testing.TB) (TableSchema, string) {
	t.Helper()
	path, err := TemplatePath()
	if err != nil {
		t.Fatal(err)
	}
	schema, err := LoadTableSchema(path, "JobsTable")
	if err != nil {
		t.Fatal(err)
	}
	return schema, path
}

// LoadTableSchema reads the table resource named logicalID (JobsTable) of
// the CloudFormation template at path.
func LoadTableSchema(path, logicalID string) (TableSchema, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return TableSchema{}, fmt.Errorf("table schema: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return TableSchema{}, fmt.Errorf("table schema: parse %s: %w", path, err)
	}
	props := lookup(doc.Content[0], "Resources", logicalID, "Properties")
	if props == nil {
		return TableSchema{}, fmt.Errorf("table schema: %s has no Resources.%s.Properties", path, logicalID)
	}
	var t cfnTable
	if err := props.Decode(&t); err != nil {
		return TableSchema{}, fmt.Errorf("table schema: %s: %w", logicalID, err)
	}
	s := TableSchema{}
	s.HashKey, s.RangeKey = keys(t.KeySchema)
	if s.HashKey == "" {
		return TableSchema{}, fmt.Errorf("table schema: %s has no HASH key", logicalID)
	}
	for _, g := range t.GlobalSecondaryIndexes {
		ix := IndexSchema{Name: g.IndexName, Projection: g.Projection.ProjectionType, NonKeyAttributes: g.Projection.NonKeyAttributes}
		ix.HashKey, ix.RangeKey = keys(g.KeySchema)
		s.Indexes = append(s.Indexes, ix)
	}
	return s, nil
}

// lookup follows mapping keys from n; nil when one is missing.
func lookup(n *yaml.Node, path ...string) *yaml.Node {
	for _, key := range path {
		var next *yaml.Node
		for i := 0; n.Kind == yaml.MappingNode && i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				next = n.Content[i+1]
			}
		}
		if next == nil {
			return nil
		}
		n = next
	}
	return n
}
