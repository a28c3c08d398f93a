package parquet

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"time"

	pq "github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/gokernel/gokernel/mlstd/table"
)

// Read reads the Parquet file at path into a table; errors name the file
// (and the column, for a type this package does not read).
func Read(path string) (*table.Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("parquet: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("parquet: %w", err)
	}
	return ReadFrom(f, st.Size(), path)
}

// ReadFrom reads a Parquet file of size bytes from r; name is used in
// errors.
func ReadFrom(r io.ReaderAt, size int64, name string) (t *table.Table, err error) {
	defer func() { // a corrupt file must not take the notebook down
		if p := recover(); p != nil {
			t, err = nil, fmt.Errorf("parquet: %s: corrupt file (%v)", name, p)
		}
	}()
	f, err := pq.OpenFile(r, size, pq.SkipPageIndex(true), pq.SkipBloomFilters(true))
	if err != nil {
		return nil, fmt.Errorf("parquet: %s: %w", name, err)
	}
	n := f.NumRows()
	if n < 0 || n > math.MaxInt32 {
		return nil, fmt.Errorf("parquet: %s: %d rows", name, n)
	}
	var cols []*builder
	for _, c := range f.Root().Columns() {
		b, err := newBuilder(c, int(n))
		if err != nil {
			return nil, fmt.Errorf("parquet: %s: %w", name, err)
		}
		cols = append(cols, b)
	}
	buf := make([]pq.Value, 1024)
	for _, rg := range f.RowGroups() {
		chunks := rg.ColumnChunks()
		if len(chunks) != len(cols) {
			return nil, fmt.Errorf("parquet: %s: a row group has %d columns, the schema %d", name, len(chunks), len(cols))
		}
		for j, ch := range chunks {
			if err := cols[j].readChunk(ch, buf); err != nil {
				return nil, fmt.Errorf("parquet: %s: column %q: %w", name, cols[j].name, err)
			}
		}
	}
	out := make([]*table.Column, len(cols))
	for j, b := range cols {
		if b.rows != int(n) {
			return nil, fmt.Errorf("parquet: %s: column %q has %d values, the file %d rows", name, b.name, b.rows, n)
		}
		out[j] = b.column()
	}
	return table.New(out), nil
}

// what a column's values become
type target int

const (
	toBool target = iota
	toInt
	toFloat
	toDecimal
	toString
	toTime
)

// builder collects one column's values.
type builder struct {
	name    string
	to      target
	scale   float64       // toDecimal: 10^scale
	unit    time.Duration // toTime: the step of the stored integers
	rows    int
	missing []bool
	b       []bool
	i       []int64
	f       []float64
	s       []string
	t       []time.Time
}

// newBuilder checks that c is a flat column of a type read here and
// returns its builder.
func newBuilder(c *pq.Column, n int) (*builder, error) {
	if !c.Leaf() {
		return nil, fmt.Errorf("column %q is a group (a nested struct, list or map); only flat columns are read", c.Name())
	}
	if c.Repeated() {
		return nil, fmt.Errorf("column %q is repeated (a list); only flat columns are read", c.Name())
	}
	b := &builder{name: c.Name(), missing: make([]bool, 0, min(n, 1<<16))} // n is the footer's claim: grow by what is read
	typ := c.Type()
	var lt any
	if l := typ.LogicalType(); l != nil {
		lt = l.Value
	}
	unsupported := func() error {
		return fmt.Errorf("column %q has type %v %v, which is not read (see the package doc)", c.Name(), typ.Kind(), typ.LogicalType())
	}
	switch typ.Kind() {
	case pq.Boolean:
		b.to = toBool
	case pq.Int32, pq.Int64:
		switch l := lt.(type) {
		case nil, *format.IntType:
			b.to = toInt
		case *format.DecimalType:
			b.to, b.scale = toDecimal, math.Pow10(int(l.Scale))
		case *format.DateType:
			if typ.Kind() != pq.Int32 {
				return nil, unsupported()
			}
			b.to, b.unit = toTime, 24*time.Hour
		case *format.TimestampType:
			if typ.Kind() != pq.Int64 || l.Unit.Value == nil {
				return nil, unsupported()
			}
			b.to, b.unit = toTime, l.Unit.Value.Duration()
		default:
			return nil, unsupported()
		}
	case pq.Float, pq.Double:
		b.to = toFloat
	case pq.ByteArray, pq.FixedLenByteArray:
		switch lt.(type) {
		case nil, *format.StringType, *format.EnumType, *format.JsonType:
			b.to = toString
		default:
			return nil, unsupported()
		}
	default:
		return nil, unsupported()
	}
	return b, nil
}

// readChunk appends the values of one column chunk.
func (b *builder) readChunk(ch pq.ColumnChunk, buf []pq.Value) error {
	pages := ch.Pages()
	defer pages.Close()
	for {
		p, err := pages.ReadPage()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		vr := p.Values()
		for {
			k, err := vr.ReadValues(buf)
			for _, v := range buf[:k] {
				b.add(v)
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				pq.Release(p)
				return err
			}
			if k == 0 {
				pq.Release(p)
				return errors.New("a page stopped giving values")
			}
		}
		pq.Release(p)
	}
}

func (b *builder) add(v pq.Value) {
	null := v.IsNull()
	b.missing = append(b.missing, null)
	b.rows++
	switch b.to {
	case toBool:
		b.b = append(b.b, !null && v.Boolean())
	case toInt:
		var x int64
		if !null && v.Kind() == pq.Int32 {
			x = int64(v.Int32())
		} else if !null {
			x = v.Int64()
		}
		b.i = append(b.i, x)
	case toFloat, toDecimal:
		x := math.NaN()
		if !null {
			switch v.Kind() {
			case pq.Float:
				x = float64(v.Float())
			case pq.Double:
				x = v.Double()
			case pq.Int32:
				x = float64(v.Int32())
			default:
				x = float64(v.Int64())
			}
			if b.to == toDecimal {
				x /= b.scale
			}
		}
		b.f = append(b.f, x)
	case toString:
		s := ""
		if !null {
			s = string(v.ByteArray())
		}
		b.s = append(b.s, s)
	case toTime:
		var t time.Time // zero: missing
		if !null {
			x := v.Int64()
			if v.Kind() == pq.Int32 {
				x = int64(v.Int32())
			}
			switch b.unit {
			case 24 * time.Hour: // DATE: days
				t = time.Unix(x*86400, 0)
			case time.Millisecond:
				t = time.UnixMilli(x)
			case time.Microsecond:
				t = time.UnixMicro(x)
			default:
				t = time.Unix(0, x)
			}
			t = t.UTC()
		}
		b.t = append(b.t, t)
	}
}

func (b *builder) column() *table.Column {
	switch b.to {
	case toBool:
		return table.NewBools(b.name, b.b).WithMissing(b.missing)
	case toInt:
		return table.NewInts(b.name, b.i).WithMissing(b.missing)
	case toFloat, toDecimal:
		return table.NewFloats(b.name, b.f)
	case toString:
		return table.NewStrings(b.name, b.s, b.missing)
	}
	return table.NewTimes(b.name, b.t)
}
