// Package notebookrun executes a Jupyter notebook headless: `gokernel run
// NOTEBOOK.ipynb`. It is one of the engine's front ends, beside the kernel
// (Jupyter clients), the REPL and scripts (the terminal): it gives an
// interp.Session the cells of a notebook one by one and plays the part of
// the notebook front end for what they produce.
//
// # The file
//
// nbformat 4 is read into typed structures (Notebook, Metadata, Cell,
// Source, Output). Each keeps the JSON members it does not know in an Extra
// map of raw messages and writes them back, so cell ids, attachments, tags,
// widget state or a member a later nbformat adds survive a run unchanged; a
// cell's source is written back in the form it was read (a string or a list
// of lines). Objects are written with sorted keys and one-space indent, as
// Jupyter writes them, so an executed notebook diffs cleanly against the
// previous run. An Output holds a MIME bundle in the engine's form (text as
// one string, images as base64) and is stored in nbformat's (text as a
// list of lines).
//
// # The run
//
// Run reads the notebook (refusing, with the reason, one that is not
// nbformat 4, not Go, or malformed), starts a fresh session in the
// notebook's directory and runs every non-empty code cell in order. The
// cell's streams are merged into stream outputs; the session's display
// events (interp.Output.Show) are rendered as a notebook front end would:
// a Display adds a display_data output, an Update changes the outputs
// showing that display id in any cell, a Clear empties the cell (with
// Wait, at the next output), and the pager's text becomes a display_data
// output (a headless run has no pager). The front end is rich, so progress
// arrives as displays, never as Status lines. A trailing
// value becomes execute_result; a failure an error output, after which the
// run stops unless AllowErrors. Cells are numbered by execution count, as
// the engine's messages ("cell 2, line 3") and In [2] are. A cell past
// Timeout is interrupted cooperatively, and its context cancelled a few
// seconds later (the engine's hard stop).
//
// Every path is made absolute before the session starts (a cell's %cd
// moves the process), and the output directory is checked then, so a run
// never ends with results it cannot write. The executed notebook and the
// PNG and SVG images extracted beside it (NAME_files/cellN_K.png) are
// written with internal/atomicfile.
package notebookrun
