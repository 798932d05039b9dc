package dynamostore_test

import (
	"testing"

	"jobline/internal/awsbackend/awstest"
	"jobline/internal/jobs"
	"jobline/internal/jobs/dynamostore"
	"jobline/internal/jobs/storetest"
)

// newStore returns a Store on a fresh table shaped like the emulator's
// (created from template.yaml): the reconciler's creation window is
// table-wide state, which tests of other packages move on the template
// table with clocks of their own.
func newStore(t *testing.T) *dynamostore.Store {
	t.Helper()
	cfg := awstest.Config(t)
	clients := awstest.Clients(t, cfg)
	store, err := dynamostore.New(clients.Dynamo, awstest.StoreConfig(cfg, awstest.NewTable(t, clients.DynamoDB, cfg)))
	if err != nil {
		t.Fatal(err)
	}
	return store
}

func TestConformance(t *testing.T) {
	t.Parallel()
	store := newStore(t)
	storetest.Run(t, func(*testing.T) jobs.Store { return store })
}
