package awstest

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func s(v string) types.AttributeValue   { return &types.AttributeValueMemberS{Value: v} }
func n(v string) types.AttributeValue   { return &types.AttributeValueMemberN{Value: v} }
func pad(size int) types.AttributeValue { return s(strings.Repeat("x", size)) }

// TestItemSize checks item sizes computed by hand from the Developer
// Guide's rules.
func TestItemSize(t *testing.T) {
	t.Parallel()
	item := map[string]types.AttributeValue{
		"PK": s("JOB#abc"),                                                                      // 2 + 7 = 9
		"N":  n("100"),                                                                          // 1 + (1 + one digit after trimming zeros: 1) = 3
		"B":  &types.AttributeValueMemberBOOL{},                                                 // 1 + 1 = 2
		"L":  &types.AttributeValueMemberL{Value: []types.AttributeValue{s("ab"), n("12345")}},  // 1 + 3 + (2+1) + (1+3+1) = 12
		"M":  &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"k": s("v")}}, // 1 + 3 + (1+1+1) = 7
	}
	if got := ItemSize(item); got != 33 {
		t.Errorf("ItemSize = %d, want 33", got)
	}
	for in, want := range map[string]int{"0": 1, "-1.50": 2, "123": 3, "1e10": 2, "12345678901234567890": 11} {
		if got := numberSize(in); got != want {
			t.Errorf("numberSize(%s) = %d, want %d", in, got, want)
		}
	}
}

// testSchema is a table with one index of each projection.
var testSchema = TableSchema{HashKey: "PK", RangeKey: "SK", Indexes: []IndexSchema{
	{Name: "Keys", HashKey: "G1PK", RangeKey: "G1SK", Projection: "KEYS_ONLY"},
	{Name: "All", HashKey: "G2PK", RangeKey: "G2SK", Projection: "ALL"},
	{Name: "Incl", HashKey: "G3PK", Projection: "INCLUDE", NonKeyAttributes: []string{"Status"}},
}}

// with returns a copy of item with the given attributes set (nil: removed).
func with(item map[string]types.AttributeValue, kv ...any) map[string]types.AttributeValue {
	out := cloneItem(item)
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
			continue
		}
		out[kv[i].(string)] = kv[i+1].(types.AttributeValue)
	}
	return out
}

// TestWriteCost checks each index rule of the Developer Guide on small and
// large items, against units counted by hand.
func TestWriteCost(t *testing.T) {
	t.Parallel()
	base := map[string]types.AttributeValue{
		"PK": s("JOB#1"), "SK": s("JOB"), "Status": s("queued"), "Progress": n("0"),
		"G1PK": s("O#alice"), "G1SK": s("2030#1"), "G3PK": s("C#1"),
	}
	big := with(base, "Blob", pad(1500)) // 2 KB item: 2 table units; its ALL entry too
	tests := []struct {
		name        string
		old, new    map[string]types.AttributeValue
		table       float64
		indexes     map[string]float64
		failedTable float64
	}{
		{"put of a new item: the two indexes it enters", nil, base, 1, map[string]float64{"Keys": 1, "Incl": 1}, 1},
		{"attribute no index projects", base, with(base, "Progress", n("50")), 1, nil, 1},
		{"projected attribute (INCLUDE)", base, with(base, "Status", s("processing")), 1, map[string]float64{"Incl": 1}, 1},
		{"index sort key changes: delete + put", base, with(base, "G1SK", s("2031#1")), 1, map[string]float64{"Keys": 2}, 1},
		{"enters the ALL index", base, with(base, "G2PK", s("S#1"), "G2SK", s("t")), 1, map[string]float64{"All": 1}, 1},
		{"large item enters the ALL index", big, with(big, "G2PK", s("S#1"), "G2SK", s("t")), 2, map[string]float64{"All": 2}, 2},
		{"any change of an item in the ALL index", with(base, "G2PK", s("S#1"), "G2SK", s("t")), with(base, "G2PK", s("S#1"), "G2SK", s("t"), "Progress", n("9")), 1, map[string]float64{"All": 1}, 1},
		{"leaves an index (key removed)", base, with(base, "G3PK", nil), 1, map[string]float64{"Incl": 1}, 1},
		{"larger of before and after", base, big, 2, nil, 1},
		{"delete", big, nil, 2, map[string]float64{"Keys": 1, "Incl": 1}, 2},
	}
	for _, tt := range tests {
		c := testSchema.WriteCost(tt.old, tt.new)
		if c.Table != tt.table || len(c.Indexes) != len(tt.indexes) {
			t.Errorf("%s: %+v, want table %v indexes %v", tt.name, c, tt.table, tt.indexes)
			continue
		}
		var want float64 = tt.table
		for k, v := range tt.indexes {
			want += v
			if c.Indexes[k] != v {
				t.Errorf("%s: index %s = %v, want %v", tt.name, k, c.Indexes[k], v)
			}
		}
		if c.Total() != want {
			t.Errorf("%s: total %v, want %v", tt.name, c.Total(), want)
		}
		if f := FailedWriteCost(tt.old); f.Table != tt.failedTable || f.Total() != tt.failedTable {
			t.Errorf("%s: failed condition costs %+v, want %v", tt.name, f, tt.failedTable)
		}
	}
}

// TestReadUnits checks the read rules: 4 KB units, halved for eventually
// consistent reads, item by item for GetItem and BatchGetItem, summed for
// Query, and the minimum for a read that finds nothing.
func TestReadUnits(t *testing.T) {
	t.Parallel()
	item5k := map[string]types.AttributeValue{"PK": pad(5000)}
	small := map[string]types.AttributeValue{"PK": s("x")}
	tests := []struct {
		name string
		got  float64
		want float64
	}{
		{"5 KB, strongly consistent", ReadUnits(true, item5k), 2},
		{"5 KB, eventually consistent", ReadUnits(false, item5k), 1},
		{"missing item", ReadUnits(false, nil), 0.5},
		{"batch: each item rounded up", ReadUnits(false, small, small, item5k), 2},
		{"query: items summed first", QueryUnits(false, 3000, 3000), 1},
		{"query: 41 index entries of 100 bytes", QueryUnits(false, repeat(100, 41)...), 1},
		{"empty query page", QueryUnits(true), 1},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: %v RRU, want %v", tt.name, tt.got, tt.want)
		}
	}
}

func repeat(v, times int) []int {
	out := make([]int, times)
	for i := range out {
		out[i] = v
	}
	return out
}

// TestLoadTableSchema reads the jobs table of the repository's template.
func TestLoadTableSchema(t *testing.T) {
	t.Parallel()
	path, err := TemplatePath()
	if err != nil {
		t.Fatal(err)
	}
	sc, err := LoadTableSchema(path, "JobsTable")
	if err != nil {
		t.Fatal(err)
	}
	if sc.HashKey != "PK" || sc.RangeKey != "SK" || len(sc.Indexes) == 0 {
		t.Fatalf("schema %+v", sc)
	}
	for _, ix := range sc.Indexes {
		if ix.Name == "" || ix.HashKey == "" || ix.Projection == "" {
			t.Errorf("index %+v is incomplete", ix)
		}
	}
	if _, err := LoadTableSchema(path, "NoSuchTable"); err == nil {
		t.Error("a missing resource loaded")
	}
}
