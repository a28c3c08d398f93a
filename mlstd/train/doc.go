// Package train runs training loops for mlstd models and shows them live:
// the one-call Fit, the History it returns, and Progress, the live display
// Fit uses (and custom loops can use).
//
//	h, err := train.Fit(model, opt, nn.CrossEntropy, trainSet,
//		train.Config{Epochs: 10, BatchSize: 64, Val: testSet})
//	h                // cell result: loss chart + epoch table
//	h.Figure()       // the loss curves as a *chart.Figure
//
// # The loop
//
// Fit is the loop a PyTorch user writes by hand — for each batch
// opt.ZeroGrad(), loss(model.Forward(x), y).Backward(), opt.Step() — run
// in compiled code, with the mean loss and accuracy of each epoch and, when
// Config.Val is set, the validation loss and accuracy after each epoch
// (in evaluation mode, without gradients). A dataset with float targets
// (data.NewRegression, prep.Pipeline.Dataset) trains a regression: pass a
// nil loss and set Config.TargetLoss (nn.MSE when nil, or nn.L1,
// nn.Huber in a closure). Nothing in it is hidden: a
// custom loop with NewProgress does the same in a dozen lines.
//
// # Interrupts keep the weights
//
// The loader calls host.Check before every batch, so the notebook's stop
// button takes effect between two optimizer steps. Fit catches that one
// panic, marks the display "interrupted", and returns the history of the
// completed epochs with Interrupted set and an error wrapping
// host.ErrInterrupted. The model keeps the weights of the last completed
// step, ready to evaluate or to train further. Any other panic (a shape
// mistake) marks the display "failed" and propagates.
//
// # The live display
//
// Progress follows fastai's fastprogress: an HTML bar (epoch, batch,
// it/s, ETA, current loss), a loss chart (smoothed batch losses plus the
// epoch means) and the epoch metrics table, shown once as a display with an
// id (host.Display) and then redrawn in place (host.Update). Redraws
// are throttled by time, not by count: at most one per 200 ms, the chart
// at most once a second (drawing it costs tens of milliseconds), the final
// state always. A run of 10,000 batches over 10 s sends about 50 updates.
// When the front end cannot show HTML (host.Rich is false), Progress
// writes text: plain lines to the io.Writer given to SetWriter
// (Config.Text for Fit), else host.Status lines to the front end, else
// nowhere. The REPL and `gokernel run` draw Status lines on the terminal:
// if it is live (a TTY, host.LiveStatus) the bar is one line redrawn in
// place every 200 ms and each epoch's row takes its place, like tqdm;
// piped, it is plain lines, one per epoch and one per 10 s within an epoch.
// Progress never writes a control character: drawing is the front end's.
package train
