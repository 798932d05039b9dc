package awstest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"jobline/internal/awsapi"
	"jobline/internal/awsapi/dynamo"
)

// Meter computes the capacity units each DynamoDB request of a client
// (package awsapi/dynamo) consumes, by DynamoDB's rules (capacity.go) and the table's definition in
// template.yaml, whatever the emulator reports. It needs the items before
// and after each write: it reads them with its own, unmetered client
// (strongly consistent), so it assumes that no one else writes the same
// item at the same moment. Query and BatchGetItem are read again without
// their filter and projection to size what DynamoDB evaluates. It is safe
// for concurrent use.
type Meter struct {
	schema TableSchema
	raw    *dynamodb.Client

	mu    sync.Mutex
	usage map[string]*Usage
	errs  []error
}

// Usage is what the requests of one operation consumed.
type Usage struct {
	Requests int64
	WRU      float64            // table and indexes
	IndexWRU map[string]float64 // the indexes' part, per index
	RRU      float64
}

func (u *Usage) add(o Usage) {
	u.Requests += o.Requests
	u.WRU += o.WRU
	u.RRU += o.RRU
	for k, v := range o.IndexWRU {
		if u.IndexWRU == nil {
			u.IndexWRU = map[string]float64{}
		}
		u.IndexWRU[k] += v
	}
}

// NewMeter returns a Meter for tables of schema; raw is the SDK's client,
// for its own reads.
func NewMeter(schema TableSchema, raw *dynamodb.Client) *Meter {
	return &Meter{schema: schema, raw: raw, usage: map[string]*Usage{}}
}

// Hook is the meter as a client's hook. It runs once per operation (not
// per retry attempt: a throttled attempt consumes nothing).
func (m *Meter) Hook() awsapi.Hook { return awsapi.Hook{Call: m.handle} }

// Total is the sum over every operation.
func (m *Meter) Total() Usage {
	m.mu.Lock()
	defer m.mu.Unlock()
	var t Usage
	for _, u := range m.usage {
		t.add(*u)
	}
	return t
}

// ByOperation returns the usage per DynamoDB operation ("UpdateItem").
func (m *Meter) ByOperation() map[string]Usage {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string]Usage, len(m.usage))
	for k, u := range m.usage {
		var c Usage
		c.add(*u)
		out[k] = c
	}
	return out
}

// Operations returns the metered operations, sorted.
func (m *Meter) Operations() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Sorted(maps.Keys(m.usage))
}

// Reset forgets every usage and error.
func (m *Meter) Reset() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.usage = map[string]*Usage{}
	m.errs = nil
}

// Err reports what the meter could not measure (an operation it does not
// know, a failed read of its own), joined; nil when every request was
// metered.
func (m *Meter) Err() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return errors.Join(m.errs...)
}

func (m *Meter) record(op string, u Usage) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.usage[op] == nil {
		m.usage[op] = &Usage{}
	}
	u.Requests = 1
	m.usage[op].add(u)
}

func (m *Meter) fail(op string, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.errs = append(m.errs, fmt.Errorf("meter %s: %w", op, err))
}

// handle meters one DynamoDB operation around the rest of the stack.
// Requests to other services pass through.
func (m *Meter) handle(ctx context.Context, c *awsapi.Call, next func(context.Context) error) error {
	if c.Service != dynamo.Service.ID {
		return next(ctx)
	}
	switch p := c.Input.(type) {
	case *dynamo.PutItemInput:
		return m.write(ctx, "PutItem", next, []itemRef{{table: aws.ToString(p.TableName), key: m.keyOf(p.Item)}})
	case *dynamo.UpdateItemInput:
		return m.write(ctx, "UpdateItem", next, []itemRef{{table: aws.ToString(p.TableName), key: p.Key}})
	case *dynamo.DeleteItemInput:
		return m.write(ctx, "DeleteItem", next, []itemRef{{table: aws.ToString(p.TableName), key: p.Key}})
	case *dynamo.TransactWriteItemsInput:
		return m.write(ctx, "TransactWriteItems", next, m.transactRefs(p))
	case *dynamo.GetItemInput:
		return m.getItem(ctx, p, c, next)
	case *dynamo.BatchGetItemInput:
		return m.batchGet(ctx, p, c, next)
	case *dynamo.QueryInput:
		return m.query(ctx, p, next)
	}
	err := next(ctx)
	m.fail(c.Operation, errors.New("operation not metered"))
	return err
}

// itemRef names one item a write touches.
type itemRef struct {
	table     string
	key       map[string]types.AttributeValue
	condition bool // a ConditionCheck: read, not written
}

func (m *Meter) keyOf(item map[string]types.AttributeValue) map[string]types.AttributeValue {
	key := map[string]types.AttributeValue{m.schema.HashKey: item[m.schema.HashKey]}
	if m.schema.RangeKey != "" {
		key[m.schema.RangeKey] = item[m.schema.RangeKey]
	}
	return key
}

func (m *Meter) transactRefs(p *dynamo.TransactWriteItemsInput) []itemRef {
	refs := make([]itemRef, 0, len(p.TransactItems))
	for _, ti := range p.TransactItems {
		switch {
		case ti.ConditionCheck != nil:
			refs = append(refs, itemRef{table: aws.ToString(ti.ConditionCheck.TableName), key: ti.ConditionCheck.Key, condition: true})
		case ti.Put != nil:
			refs = append(refs, itemRef{table: aws.ToString(ti.Put.TableName), key: m.keyOf(ti.Put.Item)})
		case ti.Update != nil:
			refs = append(refs, itemRef{table: aws.ToString(ti.Update.TableName), key: ti.Update.Key})
		case ti.Delete != nil:
			refs = append(refs, itemRef{table: aws.ToString(ti.Delete.TableName), key: ti.Delete.Key})
		}
	}
	return refs
}

// write meters a write of refs: each item read before and after.
func (m *Meter) write(ctx context.Context, op string, next func(context.Context) error, refs []itemRef) error {
	before := make([]map[string]types.AttributeValue, len(refs))
	for i, r := range refs {
		before[i] = m.read(ctx, op, r)
	}
	err := next(ctx)
	transact := op == "TransactWriteItems"
	var ccf *types.ConditionalCheckFailedException
	var canceled *types.TransactionCanceledException
	var u Usage
	switch {
	case err == nil:
		for i, r := range refs {
			c := FailedWriteCost(before[i]) // a condition check costs the item as it is
			if !r.condition {
				c = m.schema.WriteCost(before[i], m.read(ctx, op, r))
			}
			m.addWrite(&u, c, transact)
		}
	case errors.As(err, &ccf) || errors.As(err, &canceled):
		for i := range refs {
			m.addWrite(&u, FailedWriteCost(before[i]), transact)
		}
	}
	m.record(op, u)
	return err
}

// addWrite adds c to u, the table's part doubled in a transaction.
func (m *Meter) addWrite(u *Usage, c WriteCost, transact bool) {
	if transact {
		c.Table *= 2
	}
	u.WRU += c.Total()
	for k, v := range c.Indexes {
		if u.IndexWRU == nil {
			u.IndexWRU = map[string]float64{}
		}
		u.IndexWRU[k] += v
	}
}

// read returns the item r names as it is now (nil when missing).
func (m *Meter) read(ctx context.Context, op string, r itemRef) map[string]types.AttributeValue {
	out, err := m.raw.GetItem(ctx, &dynamodb.GetItemInput{TableName: &r.table, Key: r.key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		m.fail(op, fmt.Errorf("read item: %w", err))
		return nil
	}
	if len(out.Item) == 0 {
		return nil
	}
	return cloneItem(out.Item)
}

func (m *Meter) getItem(ctx context.Context, p *dynamo.GetItemInput, c *awsapi.Call, next func(context.Context) error) error {
	err := next(ctx)
	if err != nil {
		m.record("GetItem", Usage{})
		return err
	}
	consistent := aws.ToBool(p.ConsistentRead)
	var item map[string]types.AttributeValue
	if res, ok := c.Output.(*dynamo.GetItemOutput); ok && p.ProjectionExpression == nil && len(res.Item) > 0 {
		item = res.Item
	} else if ok && len(res.Item) > 0 {
		item = m.read(ctx, "GetItem", itemRef{table: aws.ToString(p.TableName), key: p.Key})
	}
	m.record("GetItem", Usage{RRU: ReadUnits(consistent, item)})
	return nil
}

func (m *Meter) batchGet(ctx context.Context, p *dynamo.BatchGetItemInput, c *awsapi.Call, next func(context.Context) error) error {
	err := next(ctx)
	if err != nil {
		m.record("BatchGetItem", Usage{})
		return err
	}
	res, _ := c.Output.(*dynamo.BatchGetItemOutput)
	var u Usage
	for table, ka := range p.RequestItems {
		var unprocessed []map[string]types.AttributeValue
		if res != nil {
			unprocessed = res.UnprocessedKeys[table].Keys
		}
		var items []map[string]types.AttributeValue
		for _, key := range ka.Keys {
			if slices.ContainsFunc(unprocessed, func(k map[string]types.AttributeValue) bool {
				return sameValue(&types.AttributeValueMemberM{Value: k}, &types.AttributeValueMemberM{Value: key})
			}) {
				continue
			}
			items = append(items, m.read(ctx, "BatchGetItem", itemRef{table: table, key: key}))
		}
		u.RRU += ReadUnits(aws.ToBool(ka.ConsistentRead), items...)
	}
	m.record("BatchGetItem", u)
	return nil
}

// placeholder matches the #name and :value placeholders of an expression.
var placeholder = regexp.MustCompile(`[#:][A-Za-z0-9_]+`)

// query meters a Query page by running it again, unmetered, without its
// filter and projection: the same Limit and start key evaluate the same
// items, which is what DynamoDB bills.
func (m *Meter) query(ctx context.Context, p *dynamo.QueryInput, next func(context.Context) error) error {
	err := next(ctx)
	if err != nil {
		m.record("Query", Usage{})
		return err
	}
	again := &dynamodb.QueryInput{
		TableName: p.TableName, IndexName: p.IndexName, KeyConditionExpression: p.KeyConditionExpression,
		ExclusiveStartKey: p.ExclusiveStartKey, Limit: p.Limit, ScanIndexForward: p.ScanIndexForward,
		ConsistentRead: p.ConsistentRead,
	}
	used := placeholder.FindAllString(aws.ToString(p.KeyConditionExpression), -1)
	for _, ph := range used {
		if name, ok := p.ExpressionAttributeNames[ph]; ok {
			if again.ExpressionAttributeNames == nil {
				again.ExpressionAttributeNames = map[string]string{}
			}
			again.ExpressionAttributeNames[ph] = name
		}
		if v, ok := p.ExpressionAttributeValues[ph]; ok {
			if again.ExpressionAttributeValues == nil {
				again.ExpressionAttributeValues = map[string]types.AttributeValue{}
			}
			again.ExpressionAttributeValues[ph] = v
		}
	}
	res, qerr := m.raw.Query(ctx, again)
	if qerr != nil {
		m.fail("Query", fmt.Errorf("query again: %w", qerr))
		m.record("Query", Usage{})
		return nil
	}
	sizes := make([]int, len(res.Items))
	for i, it := range res.Items {
		sizes[i] = ItemSize(it)
	}
	m.record("Query", Usage{RRU: QueryUnits(aws.ToBool(p.ConsistentRead), sizes...)})
	return nil
}
