package chart

import (
	"strings"
	"testing"

	"github.com/gokernel/gokernel/mlstd/table"
)

func TestColumnCharts(t *testing.T) {
	tb, err := table.ReadCSVFrom(strings.NewReader("name,v,w\nx,1,2\ny,NA,3\nz,2.5,NA\nx,4,5\n"), "t.csv", table.CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for name, f := range map[string]*Figure{
		"hist":    ColumnHist(tb, "v", 10),
		"bar":     ColumnHist(tb, "name", 0),
		"scatter": ColumnScatter(tb, "v", "w"),
	} {
		if f.Err() != nil || len(f.PNG()) == 0 {
			t.Errorf("%s: %v", name, f.Err())
		}
	}
	for name, c := range map[string]struct {
		f    *Figure
		want string
	}{
		"no column": {ColumnHist(tb, "nope", 0), `no column "nope"`},
		"text":      {ColumnScatter(tb, "name", "v"), `column "name" holds strings`},
		"nil table": {ColumnScatter(nil, "v", "w"), "nil"},
	} {
		if c.f.Err() == nil || !strings.Contains(c.f.Err().Error(), c.want) {
			t.Errorf("%s: error %v, want %q", name, c.f.Err(), c.want)
		}
	}
}
