package dynamostore

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"jobline/internal/jobs"
)

// ItemOf is the item Create would write for j (prepared by
// jobs.PrepareCreate and then given status), for tests that load many
// jobs with BatchWriteItem.
func (s *Store) ItemOf(j jobs.Job) (map[string]types.AttributeValue, error) {
	return attributevalue.MarshalMap(s.newJobItem(j))
}

// ShardsRead returns how many shards of the creation and sweep indexes
// the store's readers read now (shards.go).
func (s *Store) ShardsRead(ctx context.Context) (creation, sweep int, err error) {
	st, err := s.readSweepState(ctx)
	if err != nil {
		return 0, 0, err
	}
	return st.creation.reading(s.cfg.CreationShards), st.sweepIx.reading(s.cfg.SweepShards), nil
}

// RetireGrace is how long retired shards must stay empty.
const RetireGrace = retireGrace
