// Package grid renders a grid of text cells as an HTML table and as
// aligned text: the one renderer behind display.Table and the tables of
// package table. It imports no plotting, so packages that a server links
// (table, prep) can render tables without linking gonum/plot and its fonts.
//
// A grid is an optional caption, an optional header row and rows of
// strings; its callers have already formatted every cell, so grid knows
// nothing of numbers, types or missing values. Rows may be ragged: the
// grid is as wide as its widest row (or header), and missing cells render
// empty. Trailing spaces of the body's cells are dropped in both forms
// (of the header's, in the text form only).
//
// HTML writes a bare <table> with <caption>, <thead> and <tbody>, every
// caption and cell HTML-escaped, and no style or class: the front end's
// stylesheet (Jupyter's) decides the look. Text pads each column to its
// widest cell, separates columns by two spaces, puts a dashed line under
// the header and trims each line's trailing spaces; all cells are left
// aligned.
//
// Widths are counted in runes, not in terminal columns: East Asian wide
// characters, combining marks and emoji misalign the text form (the HTML
// form is unaffected). Cells should hold no newlines: Text does not split
// them, so a multi-line cell breaks the columns.
package grid
