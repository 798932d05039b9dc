package jobs_test

import (
	"testing"

	"jobline/internal/jobs"
	"jobline/internal/jobs/storetest"
)

func TestMemoryStoreConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(*testing.T) jobs.Store { return jobs.NewMemoryStore() })
}

func TestSharedMemoryStoreConformance(t *testing.T) {
	t.Parallel()
	// One store for every test, as a shared DynamoDB table would be.
	shared := jobs.NewMemoryStore()
	storetest.Run(t, func(*testing.T) jobs.Store { return shared })
}
