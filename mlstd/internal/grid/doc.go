// Package grid renders a grid of text cells as an HTML table and as
// aligned text: the one renderer behind display.Table and the tables of
// package table. It imports no plotting, so packages that a server links
// (table, prep) can render tables without linking gonum/plot and its fonts.
package grid
