package dynamostore_test

import (
	"testing"

	"jobline/internal/awsbackend/awstest"
	"jobline/internal/jobs"
	"jobline/internal/jobs/dynamostore"
	"jobline/internal/jobs/storetest"
)

// newStore returns a Store on the emulator's table (created from
// template.yaml); the suite's tests use their own IDs, so they share it.
func newStore(t *testing.T) *dynamostore.Store {
	t.Helper()
	cfg := awstest.Config(t)
	clients := awstest.Clients(t, cfg)
	store, err := dynamostore.New(clients.DynamoDB, dynamostore.Config{TableName: cfg.TableName})
	if err != nil {
		t.Fatal(err)
	}
	return store
}

func TestConformance(t *testing.T) {
	t.Parallel()
	store := newStore(t)
	storetest.RunWith(t, func(*testing.T) jobs.Store { return store }, storetest.Options{ListAll: false})
}
