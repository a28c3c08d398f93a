// Package display shows rich values in the notebook from Go cells and from
// compiled mlstd code: HTML, Markdown, LaTeX, images, charts, JSON, tables,
// and displays that update in place. It is IPython.display for Go.
//
//	display.Markdown("## Results")
//	display.Show(chart.Line("loss", losses))          // any value: MIME(v)
//	display.Show(display.TableOfMap(report))          // HTML table + text
//	h := display.New("starting…")                     // a display with an id
//	h.Update(display.NewHTML("<b>epoch 2</b>"))       // redrawn in place
//	display.ClearOutput(true)
//
// # Bundles
//
// MIME(v) builds the Jupyter MIME bundle of any value: always text/plain,
// plus the forms the value renders itself through the methods
// MIMEBundle, PNG, SVG, HTML and Markdown; image.Image and gonum
// *plot.Plot values become PNGs. The kernel calls MIME for a cell's result,
// so any mlstd type with such a method shows richly there, and Metadata(v)
// for the display metadata (a 2× PNG's display size). Rich is a value with
// a fixed bundle, made by NewHTML, NewMarkdown, NewLaTeX, NewSVG, NewPNG,
// NewImage and NewJSON; Table renders rows of text as an HTML table with
// an aligned text form.
//
// # Where output goes
//
// Everything leaves as a typed event through host.Show (host.Display,
// host.Update, host.Clear) to the front end of the session running the
// code, which renders it: Jupyter messages in the kernel, nbformat outputs
// in `gokernel run`, files on a terminal. With no front end — a test, a
// plain Go program — the show functions do nothing: mlstd never writes to
// os.Stdout, and every value keeps a String form for callers that want
// text. They return nothing, so display.HTML(s) as a cell's last line does
// not also print a result.
//
// # Updating in place
//
// A Handle owns a display id. Its first Update shows a host.Display with
// that id; later ones send host.Update, which the frontend applies
// wherever that display is shown (Jupyter's display_id). Callers throttle: a
// notebook frontend and zmq's queues cope with a few updates a second, not
// thousands (train.Progress limits itself to 5 a second).
package display
