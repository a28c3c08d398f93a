package prep_test

import (
	"fmt"
	"strings"

	"github.com/gokernel/gokernel/mlstd/prep"
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

func ExamplePipeline() {
	t, _ := table.ReadCSVFrom(strings.NewReader(penguins), "penguins.csv", table.CSVOptions{})
	p := prep.NewPipeline().
		Add([]string{"bill_length_mm"}, &prep.Imputer{Strategy: prep.Median}, &prep.MinMaxScaler{}).
		Add([]string{"island", "sex"}, &prep.Imputer{Strategy: prep.MostFrequent}, &prep.OneHot{}).
		Classify("species")
	if err := p.Fit(t); err != nil {
		fmt.Println(err)
		return
	}
	ds, err := p.Dataset(t.Head(3))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.Features())
	fmt.Println(ds.X.Data()[:6], ds.Y, ds.Classes)
	// Output:
	// [bill_length_mm island_Biscoe island_Dream island_Torgersen sex_female sex_male]
	// [0 0 0 1 0 1] [0 0 0] [Adelie Chinstrap Gentoo]
}

func ExamplePipeline_Regress() {
	t, _ := table.ReadCSVFrom(strings.NewReader(penguins), "penguins.csv", table.CSVOptions{})
	t = t.DropMissing("body_mass_g")
	p := prep.NewPipeline().
		Add([]string{"bill_length_mm"}, &prep.StandardScaler{}).
		Regress("body_mass_g")
	if err := p.Fit(t); err != nil {
		fmt.Println(err)
		return
	}
	ds, _ := p.Dataset(t)
	fmt.Println(ds)
	// Output: Dataset(5 examples, x [5 1], targets [5 1])
}

func ExampleOneHot_unknown() {
	train, _ := table.ReadCSVFrom(strings.NewReader("colour\nred\nblue\n"), "train.csv", table.CSVOptions{})
	test, _ := table.ReadCSVFrom(strings.NewReader("colour\ngreen\n"), "test.csv", table.CSVOptions{})
	strict := prep.NewPipeline().Add([]string{"colour"}, &prep.OneHot{})
	strict.Fit(train)
	_, err := strict.Transform(test)
	fmt.Println(err)
	lenient := prep.NewPipeline().Add([]string{"colour"}, &prep.OneHot{Unknown: prep.Ignore})
	lenient.Fit(train)
	x, _ := lenient.Transform(test)
	fmt.Println(x.Data())
	// Output:
	// prep: OneHot: column "colour": category "green" was not in the training data (known: ["blue" "red"]; set Unknown: prep.Ignore to encode it as unknown)
	// [0 0]
}
