package awstest

import (
	"maps"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// DynamoDB's capacity rules, as the Developer Guide states them ("DynamoDB
// item sizes and formats", "Read and write operations", "Global secondary
// indexes: write activity"):
//
//   - An item's size is the sum of its attribute names' and values' sizes
//     (ItemSize).
//   - A write costs one write request unit (WRU) per started KB of the
//     larger of the item before and after; a failed condition still costs
//     the item as it is (at least 1).
//   - Each global secondary index costs nothing when the item is in it
//     neither before nor after, or when neither its keys nor its projected
//     attributes change; one write (per started KB of the index entry) when
//     the item enters or leaves it or a projected attribute changes; two
//     (a delete and a put) when an index key changes.
//   - A transactional write costs twice the table's units (the index
//     updates that follow are ordinary writes).
//   - A read costs one read request unit (RRU) per started 4 KB, half for an
//     eventually consistent read; GetItem and each item of BatchGetItem are
//     rounded up one by one, a Query's items are summed first (the items it
//     evaluates, before any filter). A read that finds nothing still costs
//     the minimum.

// Unit sizes.
const (
	writeUnitBytes = 1024
	readUnitBytes  = 4096
)

// ItemSize is the size DynamoDB bills an item at.
func ItemSize(item map[string]types.AttributeValue) int {
	n := 0
	for name, v := range item {
		n += len(name) + valueSize(v)
	}
	return n
}

// valueSize is the size of a value without its attribute name.
func valueSize(v types.AttributeValue) int {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return len(v.Value)
	case *types.AttributeValueMemberN:
		return numberSize(v.Value)
	case *types.AttributeValueMemberB:
		return len(v.Value)
	case *types.AttributeValueMemberBOOL, *types.AttributeValueMemberNULL:
		return 1
	case *types.AttributeValueMemberL:
		n := 3
		for _, e := range v.Value {
			n += valueSize(e) + 1
		}
		return n
	case *types.AttributeValueMemberM:
		n := 3
		for name, e := range v.Value {
			n += len(name) + valueSize(e) + 1
		}
		return n
	case *types.AttributeValueMemberSS:
		return sizeOfAll(v.Value, func(s string) int { return len(s) })
	case *types.AttributeValueMemberNS:
		return sizeOfAll(v.Value, numberSize)
	case *types.AttributeValueMemberBS:
		return sizeOfAll(v.Value, func(b []byte) int { return len(b) })
	}
	return 0
}

// sizeOfAll is the sum of the sizes of a set's members.
func sizeOfAll[T any](members []T, size func(T) int) int {
	n := 0
	for _, m := range members {
		n += size(m)
	}
	return n
}

// numberSize is 1 byte plus 1 per two significant digits (leading and
// trailing zeros trimmed).
func numberSize(s string) int {
	s = strings.TrimLeft(s, "+-")
	mantissa, _, _ := strings.Cut(strings.ToLower(s), "e")
	digits := strings.ReplaceAll(mantissa, ".", "")
	digits = strings.Trim(digits, "0")
	if digits == "" {
		return 1
	}
	return 1 + (utf8.RuneCountInString(digits)+1)/2
}

// units is the number of started units of size bytes, at least 1.
func units(size, unit int) int {
	return max(1, (size+unit-1)/unit)
}

// WriteCost is what one item write costs.
type WriteCost struct {
	Table   float64
	Indexes map[string]float64 // per index with a non-zero cost
}

// Total is the table's and the indexes' units.
func (c WriteCost) Total() float64 {
	t := c.Table
	for _, v := range c.Indexes {
		t += v
	}
	return t
}

// WriteCost is the cost of a write that turned item old into item new (nil
// for a missing item: a put of a new item, a delete).
func (s TableSchema) WriteCost(old, new map[string]types.AttributeValue) WriteCost {
	c := WriteCost{Table: float64(units(max(ItemSize(old), ItemSize(new)), writeUnitBytes))}
	for _, ix := range s.Indexes {
		if n := s.indexWrites(ix, old, new); n > 0 {
			if c.Indexes == nil {
				c.Indexes = map[string]float64{}
			}
			c.Indexes[ix.Name] = float64(n)
		}
	}
	return c
}

// FailedWriteCost is the cost of a write whose condition failed on item
// (nil: no item): the table's units of the item as it is; no index changes.
func FailedWriteCost(item map[string]types.AttributeValue) WriteCost {
	return WriteCost{Table: float64(units(ItemSize(item), writeUnitBytes))}
}

// indexWrites is the index's write units for the change old -> new.
func (s TableSchema) indexWrites(ix IndexSchema, old, new map[string]types.AttributeValue) int {
	before, after := s.indexEntry(ix, old), s.indexEntry(ix, new)
	switch {
	case before == nil && after == nil:
		return 0
	case before == nil:
		return units(ItemSize(after), writeUnitBytes)
	case after == nil:
		return units(ItemSize(before), writeUnitBytes)
	case !sameValue(before[ix.HashKey], after[ix.HashKey]) || (ix.RangeKey != "" && !sameValue(before[ix.RangeKey], after[ix.RangeKey])):
		return units(ItemSize(before), writeUnitBytes) + units(ItemSize(after), writeUnitBytes)
	case !reflect.DeepEqual(before, after):
		return units(max(ItemSize(before), ItemSize(after)), writeUnitBytes)
	}
	return 0
}

// indexEntry is item as the index holds it (its keys, the table's keys and
// the projected attributes), or nil when the item is not in the index: it
// lacks one of the index's key attributes.
func (s TableSchema) indexEntry(ix IndexSchema, item map[string]types.AttributeValue) map[string]types.AttributeValue {
	if item == nil || item[ix.HashKey] == nil || (ix.RangeKey != "" && item[ix.RangeKey] == nil) {
		return nil
	}
	if ix.Projection == "ALL" {
		return item
	}
	entry := map[string]types.AttributeValue{}
	names := append([]string{s.HashKey, s.RangeKey, ix.HashKey, ix.RangeKey}, ix.NonKeyAttributes...)
	for _, name := range names {
		if v, ok := item[name]; ok && name != "" {
			entry[name] = v
		}
	}
	return entry
}

// sameValue compares two attribute values.
func sameValue(a, b types.AttributeValue) bool { return reflect.DeepEqual(a, b) }

// IndexEntrySize is the size of item's entry in the named index, 0 when
// the item is not in it (a Query of the index reads entries of this size).
func (s TableSchema) IndexEntrySize(index string, item map[string]types.AttributeValue) int {
	for _, ix := range s.Indexes {
		if ix.Name == index {
			return ItemSize(s.indexEntry(ix, item))
		}
	}
	return ItemSize(item)
}

// ReadUnits is the cost of reading items one by one (GetItem,
// BatchGetItem): each rounded up to 4 KB, a missing one (nil) at the
// minimum; half for eventually consistent reads.
func ReadUnits(consistent bool, items ...map[string]types.AttributeValue) float64 {
	n := 0
	for _, it := range items {
		n += units(ItemSize(it), readUnitBytes)
	}
	return consistencyFactor(consistent) * float64(n)
}

// QueryUnits is the cost of a Query or Scan page that evaluated items of
// the given sizes: their sum rounded up to 4 KB (at least one unit); half
// for eventually consistent reads.
func QueryUnits(consistent bool, sizes ...int) float64 {
	total := 0
	for _, n := range sizes {
		total += n
	}
	return consistencyFactor(consistent) * float64(units(total, readUnitBytes))
}

func consistencyFactor(consistent bool) float64 {
	if consistent {
		return 1
	}
	return 0.5
}

// cloneItem copies an item map (the values are shared, never modified).
func cloneItem(item map[string]types.AttributeValue) map[string]types.AttributeValue {
	if item == nil {
		return nil
	}
	return maps.Clone(item)
}
