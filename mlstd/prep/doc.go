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
// (yaegi cannot pass an interpreted value through Add's variadic
// parameter).
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
package prep
