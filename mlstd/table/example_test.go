package table_test

import (
	"fmt"
	"strings"

	"github.com/gokernel/gokernel/mlstd/table"
)

const penguins = `species,island,bill_length_mm,body_mass_g,sex
Adelie,Torgersen,39.1,3750,male
Adelie,Torgersen,39.5,3800,female
Adelie,Torgersen,NA,NA,NA
Gentoo,Biscoe,46.1,4500,female
Chinstrap,Dream,46.5,3500,female
Gentoo,Biscoe,50.0,5700,male
`

func ExampleReadCSVFrom() {
	t, err := table.ReadCSVFrom(strings.NewReader(penguins), "penguins.csv", table.CSVOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range t.Columns() {
		fmt.Println(c)
	}
	// Output:
	// Column("species", string, 6 rows, 0 missing)
	// Column("island", string, 6 rows, 0 missing)
	// Column("bill_length_mm", float, 6 rows, 1 missing)
	// Column("body_mass_g", int, 6 rows, 1 missing)
	// Column("sex", string, 6 rows, 1 missing)
}

func ExampleReadCSVFrom_error() {
	_, err := table.ReadCSVFrom(strings.NewReader("id,body_mass_g\n1,3750\n2,heavy\n3,3800\n"), "penguins.csv", table.CSVOptions{})
	fmt.Println(err)
	// Output: table: penguins.csv:3: column "body_mass_g": "heavy" is not a number
}

func ExampleTable_Describe() {
	t, _ := table.ReadCSVFrom(strings.NewReader(penguins), "penguins.csv", table.CSVOptions{})
	fmt.Println(t.Select("species", "body_mass_g").Describe())
	// Output:
	//          species  body_mass_g
	// -----------------------------
	// kind     string   int
	// count    6        5
	// missing  0        1
	// unique   3
	// top      Adelie
	// freq     3
	// mean              4250
	// std               891.628
	// min               3500
	// 25%               3750
	// 50%               3800
	// 75%               4500
	// max               5700
}

func ExampleTable_Where() {
	t, _ := table.ReadCSVFrom(strings.NewReader(penguins), "penguins.csv", table.CSVOptions{})
	heavy := t.Where("body_mass_g", func(v float64) bool { return v > 4000 })
	fmt.Println(heavy.Sort("body_mass_g", true).Select("species", "body_mass_g"))
	// Output:
	//    species  body_mass_g
	// -----------------------
	//    string   int
	// 0  Gentoo   5700
	// 1  Gentoo   4500
	// [2 rows × 2 columns]
}

func ExampleTable_Split() {
	t, _ := table.ReadCSVFrom(strings.NewReader(penguins), "penguins.csv", table.CSVOptions{})
	train, test := t.Split(0.5, "species", 1)
	fmt.Println(train.Rows(), test.Rows())
	fmt.Println(train.ValueCounts("species").Col("count").Ints(), test.ValueCounts("species").Col("count").Ints())
	// Output:
	// 4 2
	// [2 1 1] [1 1]
}
