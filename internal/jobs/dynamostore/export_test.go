package dynamostore

import (
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
