// Package prep holds the preprocessing that turns a table into a model's
// input — filling missing values, encoding categories, scaling numbers —
// with scikit-learn's fit-on-train, apply-to-anything semantics, composed
// per column like its ColumnTransformer.
//
//	p := prep.NewPipeline().
//		Add([]string{"bill_length_mm", "flipper_length_mm"}, &prep.Imputer{Strategy: prep.Median}, &prep.StandardScaler{}).
//		Add([]string{"island", "sex"}, &prep.Imputer{Strategy: prep.MostFrequent}, &prep.OneHot{Unknown: prep.Ignore}).
//		Classify("species")
//	err := p.Fit(train)                  // learns medians, means, stds, categories, classes
//	trainSet, err := p.Dataset(train)    // *data.Dataset for train.Fit and metrics
//	testSet, err := p.Dataset(test)      // the training set's statistics, applied
//	x, err := p.Transform(rows)          // just the [rows, features] tensor
//
// # Steps
//
// A Transformer learns from columns in Fit and maps columns to columns in
// Transform. The ones here are sklearn's, with the same definitions (a
// test compares their outputs on a held-out split with sklearn's):
//
//   - Imputer: Mean, Median, MostFrequent (the smallest among equals) or
//     Constant (Value for numbers, Text for categories; sklearn's
//     SimpleImputer)
//   - OneHot: a 0/1 column per category, named "column_category", in sorted
//     order; an unknown category at Transform is an error or, with
//     Unknown: prep.Ignore, all zeros
//   - Ordinal: the category's index in sorted order (-1 for an unknown one
//     with Ignore)
//   - StandardScaler: (x − mean)/std with the population std; MinMaxScaler:
//     (x − min)/(max − min)
//
// Any type with those two methods is a step, also one defined in a
// notebook cell; give such a step to AddSteps in a []prep.Transformer
// (a cell cannot pass a value of a cell-defined type through Add's
// variadic parameter).
//
// Steps are structs whose exported fields are their options and whose
// zero value is the common choice (&prep.StandardScaler{}, &prep.OneHot{}
// fails on unknown categories). A step instance belongs to one pipeline
// group: it keeps what it learnt for the columns it was fitted on.
//
// # Pipelines
//
// Pipeline.Add sends a group of columns through its steps in order; the
// outputs of all groups, side by side in the order added, are the
// features (Features names them; columns not added are dropped). Every
// output must be a number column with nothing missing: a pipeline that
// leaves text or gaps fails at Fit with an error naming the column and the
// step to add. Classify or Regress names the target column, which Dataset
// encodes as class indices (classes sorted, learnt at Fit) or as float
// Targets for regression. Errors are data errors and are returned, never
// panicked.
//
// # Saving
//
// A fitted pipeline travels with its model: MarshalJSON writes the groups,
// each step's options and learnt values (float64 numbers in Go's shortest
// round-trip form, so a restored pipeline computes bit for bit what the
// saved one did), the target and classes, and Inputs — the raw columns
// read, with the kind each had in training and, for numbers, their
// training mean and standard deviation, which a server scores input
// drift against. UnmarshalJSON restores it after checking that every
// step fits its columns. mlstd/export stores it in the model file
// (export.WithPipeline, export.ReadPipeline). Only prep's own steps can
// be saved; a pipeline with a step defined elsewhere is an error at save.
package prep
