package main

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
)

// tableHeader are the report's columns; docs/performance.md explains each.
var tableHeader = []string{
	"scenario", "krest rec/s (MB/s)", "direct rec/s (MB/s)", "ratio", "target",
	"krest p50/p99", "direct p50/p99", "errors", "krest CPU k/d",
}

// tableRows renders the results as cells, one row per scenario.
func tableRows(results []scenarioResult) [][]string {
	var rows [][]string
	for _, r := range results {
		switch {
		case r.Skipped != "":
			rows = append(rows, []string{r.Name, "skipped: " + r.Skipped, "", "", r.Target.String(), "", "", "", ""})
			continue
		case r.Krest == nil || r.Direct == nil:
			// The reason is in the notes under the table, in full.
			rows = append(rows, []string{r.Name, "FAILED (see below)", "", "", r.Target.String(), "", "", "", ""})
			continue
		}
		k, d := r.Krest, r.Direct
		tgt := r.Target.String()
		if r.Status != "" {
			tgt = strings.TrimSpace(tgt + " " + r.Status)
		}
		rows = append(rows, []string{
			r.Name,
			fmtRate(k), fmtRate(d),
			fmtRatio(r.Ratio),
			tgt,
			fmtLat(k), fmtLat(d),
			fmtErrors(k, d),
			fmtCPU(k.KrestCPU) + " / " + fmtCPU(d.KrestCPU),
		})
	}
	return rows
}

// fmtRatio rounds down, so that a ratio shown as meeting a two-decimal
// target does meet it (0.2997 shows as 0.29, not as a failing 0.30).
func fmtRatio(r float64) string { return fmt.Sprintf("%.2f", math.Floor(r*100)/100) }

func fmtRate(s *sideResult) string {
	v := fmtCount(s.RecPerSec) + " (" + fmt.Sprintf("%.1f", s.MBPerSec) + ")"
	if s.Incomplete {
		v += " partial"
	}
	return v
}

// fmtCount shortens a rate: 1234 → 1.23k, 1234567 → 1.23M.
func fmtCount(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.2fM", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.1fk", v/1e3)
	default:
		return fmt.Sprintf("%.0f", v)
	}
}

func fmtLat(s *sideResult) string {
	return fmtMs(s.P50ms) + " / " + fmtMs(s.P99ms)
}

func fmtMs(v float64) string {
	switch {
	case v == 0:
		return "0"
	case v < 1:
		return fmt.Sprintf("%.0fµs", v*1000)
	case v < 100:
		return fmt.Sprintf("%.1fms", v)
	default:
		return fmt.Sprintf("%.0fms", v)
	}
}

func fmtCPU(v *float64) string {
	if v == nil {
		return "—"
	}
	return fmt.Sprintf("%.2f", *v)
}

// fmtErrors lists every kind of error and duplicate on either side; "0"
// only when there is nothing at all.
func fmtErrors(k, d *sideResult) string {
	var parts []string
	for _, side := range []struct {
		name string
		s    *sideResult
	}{{"krest", k}, {"direct", d}} {
		var kinds []string
		s := side.s
		if s.HTTPErrors > 0 {
			kinds = append(kinds, fmt.Sprintf("%d http", s.HTTPErrors))
		}
		if s.RecordErrors > 0 {
			kinds = append(kinds, fmt.Sprintf("%d record", s.RecordErrors))
		}
		if s.ClientErrors > 0 {
			kinds = append(kinds, fmt.Sprintf("%d client", s.ClientErrors))
		}
		if s.Duplicates > 0 {
			kinds = append(kinds, fmt.Sprintf("%d dup", s.Duplicates))
		}
		if len(kinds) > 0 {
			parts = append(parts, side.name+": "+strings.Join(kinds, ", "))
		}
	}
	if len(parts) == 0 {
		return "0"
	}
	return strings.Join(parts, "; ")
}

// printTable writes the table (aligned text or Markdown) and, below it,
// the first error of every side that had any, so none hides in a count.
func printTable(w io.Writer, results []scenarioResult, markdown bool) {
	rows := tableRows(results)
	if markdown {
		fmt.Fprintln(w, "| "+strings.Join(tableHeader, " | ")+" |")
		fmt.Fprintln(w, "|"+strings.Repeat("---|", len(tableHeader)))
		for _, r := range rows {
			for i := range r {
				r[i] = strings.ReplaceAll(r[i], "|", `\|`)
			}
			fmt.Fprintln(w, "| "+strings.Join(r, " | ")+" |")
		}
	} else {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, strings.Join(tableHeader, "\t"))
		for _, r := range rows {
			fmt.Fprintln(tw, strings.Join(r, "\t"))
		}
		tw.Flush()
	}
	var notes []string
	for _, r := range results {
		for _, side := range []struct {
			name string
			s    *sideResult
		}{{"krest", r.Krest}, {"direct", r.Direct}} {
			if side.s != nil && side.s.FirstError != "" {
				notes = append(notes, fmt.Sprintf("%s, %s side: %s", r.Name, side.name, side.s.FirstError))
			}
			if side.s != nil && side.s.Incomplete {
				notes = append(notes, fmt.Sprintf("%s, %s side: read %d of the pre-filled records within the duration", r.Name, side.name, side.s.Records))
			}
		}
		if r.Failed != "" {
			notes = append(notes, fmt.Sprintf("%s: %s", r.Name, r.Failed))
		}
	}
	if len(notes) > 0 {
		fmt.Fprintln(w)
		for _, n := range notes {
			fmt.Fprintln(w, "- "+n)
		}
	}
}

// summaryLine is the progress line printed after each scenario.
func summaryLine(r scenarioResult) string {
	switch {
	case r.Skipped != "":
		return r.Name + ": skipped: " + r.Skipped
	case r.Krest == nil || r.Direct == nil:
		return r.Name + ": FAILED: " + r.Failed
	}
	s := fmt.Sprintf("%s: krest %s rec/s %.1f MB/s p50 %s p99 %s; direct %s rec/s %.1f MB/s p50 %s p99 %s; ratio %s",
		r.Name,
		fmtCount(r.Krest.RecPerSec), r.Krest.MBPerSec, fmtMs(r.Krest.P50ms), fmtMs(r.Krest.P99ms),
		fmtCount(r.Direct.RecPerSec), r.Direct.MBPerSec, fmtMs(r.Direct.P50ms), fmtMs(r.Direct.P99ms),
		fmtRatio(r.Ratio))
	if r.Status != "" {
		s += " " + r.Status
	}
	if e := fmtErrors(r.Krest, r.Direct); e != "0" {
		s += "; errors: " + e
	}
	return s
}
