// Package table holds tables of typed columns read from data files — CSV
// and JSON lines here, Parquet in package mlstd/parquet — for looking at,
// cleaning and turning into a model's input: the part of pandas a
// notebook needs before training.
//
//	t, err := table.ReadCSV("penguins.csv", table.CSVOptions{})
//	t.Head(5)                              // cell result: an HTML table
//	t.Describe()                           // count, missing, mean, std, quartiles…
//	t.ValueCounts("species")
//	chart.ColumnHist(t, "body_mass_g", 30) // a *chart.Figure
//	t = t.DropMissing("sex").Where("body_mass_g", func(v float64) bool { return v > 3000 })
//	train, test := t.Split(0.8, "species", 1)   // stratified by species
//
// # Columns and kinds
//
// A Column has a name, a Kind — Bool, Int, Float, Time or String — and
// missing values tracked by a flag per row, never by a zero (a Float
// column's NaN is only how Floats and Float report a missing value).
// String columns store each distinct value once and a 4-byte code per
// row, so a column of categories costs little; Levels lists the values in
// order of first appearance and Codes gives each row's index (-1 when
// missing). Columns are immutable: every operation on a Table returns a
// new table and shares the columns it did not change.
//
// # Reading CSV
//
// ReadCSV reads in one streaming pass that appends parsed values to typed
// columns, so its memory is the table's, not the text's: the text is cut
// into blocks of about a megabyte at record boundaries, and once the
// kinds are known, one goroutine per CPU parses and converts blocks into
// pieces of columns that are appended in file order. A block without
// quotes or carriage returns is split at commas and newlines directly;
// any other goes through encoding/csv (RFC 4180 quoting, any one-rune
// separator, comment lines). A test reads files through blocks of a few
// bytes and compares every value with a one-block read. The fields equal
// to a missing-value token (by default pandas' list — "", "NA", "N/A",
// "NaN", "null", "None", … — and "?") are missing.
//
// BenchmarkReadCSVVsPandas reads a generated 1,000,000-row, 47 MB file
// here and with pandas' read_csv, each in a child process, and prints the
// times (wall and CPU), the peak RSS and their ratios.
//
// A column's kind is inferred from its values in the first 1,000 rows
// (CSVOptions.InferRows), or set with CSVOptions.Types:
//
//   - all true/false (True, TRUE, …): Bool
//   - all integers: Int (an Int column that later meets a fraction becomes Float)
//   - all numbers: Float
//   - all dates (2006-01-02, 2006-01-02 15:04:05, RFC 3339): Time, in UTC unless a zone is given
//   - more than half numbers: a number column whose other values are errors
//   - otherwise: String
//
// After the sample a value that does not fit its column is an error that
// names the file, the line and the column:
//
//	penguins.csv:12: column "body_mass_g": "heavy" is not a number
//
// The "more than half" rule is what makes that an error rather than a
// column of text: a number column with a stray word is a data problem to
// fix (list the word in CSVOptions.NA, or read the column with
// Types: map[string]table.Kind{"body_mass_g": table.String}). A column
// with no value in the sample takes its kind from its first value; one
// with none at all is a Float column of missing values, as in pandas.
// Kinds and values match pandas' read_csv on the same file (a test
// compares them), except that pandas turns an integer column with missing
// values into floats and a bool column with missing values into objects,
// and reads dates only when asked.
//
// ReadJSONLines reads one JSON object per line; keys are columns, null or
// an absent key is missing, and strings are inferred like CSV fields.
//
// # Looking at a table
//
// A Table, a Description (Describe) and a ValueCounts table show as HTML
// tables in a notebook (an HTML method) and as aligned text in a terminal
// (String): up to 20 rows, else the first and last five. Describe's
// figures are pandas' describe(include="all"): count, mean, sample std,
// min, linear-interpolated quartiles and max for Int and Float columns;
// count, unique, top and freq for the others (first and last too for
// times); and the missing count of every column. chart.ColumnHist and
// chart.ColumnScatter draw a column's histogram and two columns against
// each other. Package table imports no plotting (its text and HTML
// tables come from mlstd/internal/grid), so a server that applies a
// preprocessing pipeline (mlstd/prep) links no gonum/plot.
//
// # Working on a table
//
// Select, Drop, With (add or replace a column), Derive (a float column
// computed row by row from others), Take, Filter (a mask), Where and
// WhereText (a predicate on one column), DropMissing, Sort (stable,
// missing last) and Split (shuffled, optionally stratified by a column).
// Naming a column that does not exist panics with the list of names there
// are, as other misuse does in mlstd; problems with files return errors.
package table
