// Package display shows rich values in the notebook from Go cells and from
// compiled mlstd code: HTML, Markdown, images, charts, tables, and displays
// that update in place. Output goes through package host to the engine.
package display
