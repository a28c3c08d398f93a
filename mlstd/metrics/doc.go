// Package metrics scores classifiers: accuracy, precision, recall and F1
// (per class and macro, micro or weighted averages), the confusion matrix
// and a classification report; and regression models: MAE, RMSE and R²
// (Regression, EvaluateRegression). The definitions are scikit-learn's
// sklearn.metrics so numbers can be compared across the two.
//
// # Argument order
//
// Every function takes the prediction first and the truth second, like
// the losses in package nn: Accuracy(logits, y), F1(pred, y, metrics.Macro).
// (scikit-learn's order is the reverse: y_true, y_pred.) Labels are class
// indices, []int; logits are a [n, classes] tensor whose row-wise argmax is
// the prediction (Predictions).
//
// # One source of truth
//
// All scores come from a ConfusionMatrix, Counts[true][predicted]:
//
//	pred := metrics.Predict(model, test.X, 1000)   // no-grad, batched, interruptible
//	cm := metrics.NewConfusionMatrix(pred, test.Y, 10)
//	cm.Precision()              // per class
//	cm.Average(metrics.Macro)   // Scores{Precision, Recall, F1, Support}
//
// Precision, Recall and F1 are shorthands that build the matrix for one
// number. As in sklearn with zero_division=0, a score whose denominator is
// zero (a class never predicted, a class with no examples) is 0, and the
// macro average runs over the classes present in the true or the
// predicted labels. Macro and weighted F1 average the per-class F1 scores;
// micro scores equal the accuracy in single-label classification. A test
// compares all of them with sklearn when python3-sklearn is installed.
//
// # Reports
//
// ClassificationReport(pred, y, names) and Evaluate(model, ds, batch)
// return a *Report: per-class rows, accuracy, macro and weighted averages
// and the confusion matrix. String lays it out like sklearn's
// classification_report; HTML renders a table and a shaded confusion
// matrix, which a notebook shows when the report is a cell's value.
//
// # Regression
//
// MAE, RMSE and R2 take predictions and targets of shape [n] or [n,
// outputs]; with several outputs each is scored alone and the scores
// averaged (sklearn's multioutput="uniform_average"). PredictValues runs a
// model in batches without gradients, and EvaluateRegression scores it on
// a dataset with float targets:
//
//	metrics.EvaluateRegression(model, test, 0)   // MAE 212.4  RMSE 281  R² 0.8721  (69 examples)
//
// chart.Residuals plots the residuals against the predictions.
//
// Length mismatches panic with *tensor.ShapeError and negative labels with
// an error, as programming mistakes do elsewhere in mlstd.
package metrics
