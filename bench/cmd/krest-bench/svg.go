package main

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Chart geometry, in SVG user units.
const (
	svgWidth  = 960
	svgLabelW = 300 // scenario names and absolute rates
	svgPlotX0 = svgLabelW + 10
	svgPlotX1 = svgWidth - 70 // room for the value after the longest bar
	svgTop    = 56
	svgRowH   = 46
	svgBarH   = 18
)

// Bar colours by status: a colour-blind-safe pair for pass/fail, amber for
// errors, grey without a target.
var svgColors = map[string]string{
	"PASS": "#1b9e77",
	"FAIL": "#d95f02",
	"ERR":  "#e6ab02",
	"":     "#7570b3",
}

// writeSVG draws one horizontal bar per scenario: its ratio krest / direct
// on a shared axis, with the scenario's target as a dashed mark and parity
// (1.0) as a line, so a glance shows how far krest is from the native
// client and which targets are met. It is plain SVG 1.1, no scripts or
// external fonts, so it renders on GitHub and in any browser.
func writeSVG(w io.Writer, results []scenarioResult, title string) error {
	bw := bufio.NewWriter(w)
	scale := svgScale(results)
	x := func(ratio float64) float64 {
		return svgPlotX0 + (svgPlotX1-svgPlotX0)*math.Min(ratio, scale)/scale
	}
	height := svgTop + svgRowH*len(results) + 50
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }

	p(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n",
		svgWidth, height, svgWidth, height)
	p(`<rect width="100%%" height="100%%" fill="#ffffff"/>` + "\n")
	p(`<text x="10" y="22" font-size="15" font-weight="bold">%s</text>`+"\n", esc(title))
	p(`<text x="10" y="40" fill="#555">ratio = krest records/s ÷ direct franz-go records/s (higher is better; 1.0 = as fast as the native client)</text>` + "\n")

	// Grid and axis labels.
	bottom := svgTop + svgRowH*len(results)
	for g := 0.0; g <= scale+1e-9; g += svgStep(scale) {
		gx := x(g)
		stroke, width := "#e0e0e0", 1
		if math.Abs(g-1) < 1e-9 {
			stroke, width = "#333", 2
		}
		p(`<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s" stroke-width="%d"/>`+"\n", gx, svgTop-4, gx, bottom, stroke, width)
		p(`<text x="%.1f" y="%d" text-anchor="middle" fill="#555">%s</text>`+"\n", gx, bottom+16, strconv.FormatFloat(g, 'f', -1, 64))
	}

	for i, r := range results {
		y := svgTop + svgRowH*i
		p(`<text x="10" y="%d" font-weight="bold">%s</text>`+"\n", y+14, esc(r.Name))
		switch {
		case r.Skipped != "":
			p(`<text x="10" y="%d" fill="#777">skipped</text>`+"\n", y+30)
			p(`<text x="%d" y="%d" fill="#777" font-style="italic">skipped: %s</text>`+"\n", svgPlotX0+6, y+20, esc(r.Skipped))
			continue
		case r.Krest == nil || r.Direct == nil:
			p(`<text x="%d" y="%d" fill="#c00">FAILED: %s</text>`+"\n", svgPlotX0+6, y+20, esc(truncate(r.Failed, 90)))
			continue
		}
		p(`<text x="10" y="%d" fill="#555">krest %s vs direct %s rec/s</text>`+"\n",
			y+30, fmtCount(r.Krest.RecPerSec), fmtCount(r.Direct.RecPerSec))
		color := svgColors[r.Status]
		if color == "" {
			color = svgColors[""]
		}
		bx := x(r.Ratio)
		p(`<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"><title>%s: %.3f (%s)</title></rect>`+"\n",
			svgPlotX0, y+6, math.Max(bx-svgPlotX0, 1), svgBarH, color, esc(r.Name), r.Ratio, esc(statusWord(r.Status)))
		if r.Target.MinRatio > 0 {
			tx := x(r.Target.MinRatio)
			p(`<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#c00" stroke-width="2" stroke-dasharray="4,3"><title>target ≥ %.2f</title></line>`+"\n",
				tx, y+1, tx, y+svgBarH+11, r.Target.MinRatio)
		}
		label := fmtRatio(r.Ratio)
		if r.Status != "" {
			label += " " + r.Status
		}
		if r.Ratio > scale {
			label = "▸ " + label // off the axis
		}
		// A white halo keeps the value readable where a target mark crosses it.
		p(`<text x="%.1f" y="%d" fill="#222" stroke="#fff" stroke-width="3" paint-order="stroke">%s</text>`+"\n", bx+4, y+20, esc(label))
		if r.Target.MaxP99ms > 0 {
			p(`<text x="%d" y="%d" fill="#555" font-size="11">krest p99 %s (target ≤ %s)</text>`+"\n",
				svgPlotX0, y+40, fmtMs(r.Krest.P99ms), fmtMs(r.Target.MaxP99ms))
		}
	}

	// Legend.
	ly := bottom + 34
	lx := 10
	for _, item := range []struct{ status, text string }{{"PASS", "meets target"}, {"FAIL", "misses target"}, {"ERR", "errors"}, {"", "no target"}} {
		p(`<rect x="%d" y="%d" width="12" height="12" fill="%s"/><text x="%d" y="%d">%s</text>`+"\n", lx, ly-10, svgColors[item.status], lx+16, ly, item.text)
		lx += 130
	}
	p(`<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#c00" stroke-width="2" stroke-dasharray="4,3"/><text x="%d" y="%d">target</text>`+"\n", lx, ly-4, lx+20, ly-4, lx+26, ly)
	p("</svg>\n")
	return bw.Flush()
}

// svgScale is the axis maximum: at least parity (1.0) and every target,
// then the largest ratio up to 4 (a runaway ratio, say from a broken
// direct side, is drawn clipped with a mark instead of squashing the rest).
func svgScale(results []scenarioResult) float64 {
	top := 1.0
	for _, r := range results {
		top = math.Max(top, r.Target.MinRatio)
		if r.Krest != nil && r.Direct != nil {
			top = math.Max(top, math.Min(r.Ratio, 4))
		}
	}
	step := svgStep(top)
	return math.Ceil(top*1.05/step) * step
}

func svgStep(scale float64) float64 {
	if scale > 2 {
		return 0.5
	}
	return 0.25
}

func statusWord(s string) string {
	if s == "" {
		return "no target"
	}
	return s
}

// esc escapes text for SVG content and attribute values.
func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
