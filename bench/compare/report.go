package compare

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/ratmemcache/ratmemcache/bench/load"
)

func opsPerSec(r *load.Result) float64 { return r.OpsPerSec }
func p99(r *load.Result) float64       { return float64(r.Latency.P99) / 1e3 }
func p999(r *load.Result) float64      { return float64(r.Latency.P999) / 1e3 }
func errs(r *load.Result) float64      { return float64(r.Errors) }
func hits(r *load.Result) float64      { return r.HitRatio }
func unsent(r *load.Result) float64    { return float64(r.Unsent) }

// Write prints one row per workload: medians over the rounds of A's and
// B's throughput, the ratio B/A with its min and max over the rounds,
// the same for p99 latency, medians of p99.9, hit ratio and server CPU,
// and the error totals. markdown selects a Markdown table instead of
// aligned columns.
func Write(w io.Writer, rep *Report, markdown bool) error {
	head := []string{"workload", "A ops/s", "B ops/s", "B/A ops/s [min–max]",
		"A p99 µs", "B p99 µs", "B/A p99 [min–max]", "A p99.9 µs", "B p99.9 µs",
		"hit A/B", "server CPU A/B", "errors A/B", "unsent A/B"}
	tiers := false
	for _, wr := range rep.Workloads {
		for _, r := range wr.Rounds {
			tiers = tiers || r.ATier != nil || r.BTier != nil
		}
	}
	if tiers {
		head = append(head, "L2 share of hits A/B")
	}
	var rows [][]string
	for i := range rep.Workloads {
		wr := &rep.Workloads[i]
		oa, ob, or := wr.Series(opsPerSec)
		la, lb, lr := wr.Series(p99)
		ta, tb, _ := wr.Series(p999)
		ha, hb, _ := wr.Series(hits)
		ea, eb, _ := wr.Series(errs)
		ua, ub, _ := wr.Series(unsent)
		var ca, cb []float64
		for _, r := range wr.Rounds {
			ca, cb = append(ca, r.ACPU), append(cb, r.BCPU)
		}
		rs, ls := Summarize(or), Summarize(lr)
		rows = append(rows, []string{
			wr.Name,
			fmt.Sprintf("%.0f", Summarize(oa).Median),
			fmt.Sprintf("%.0f", Summarize(ob).Median),
			fmt.Sprintf("%.3f [%.3f–%.3f]", rs.Median, rs.Min, rs.Max),
			fmt.Sprintf("%.0f", Summarize(la).Median),
			fmt.Sprintf("%.0f", Summarize(lb).Median),
			fmt.Sprintf("%.3f [%.3f–%.3f]", ls.Median, ls.Min, ls.Max),
			fmt.Sprintf("%.0f", Summarize(ta).Median),
			fmt.Sprintf("%.0f", Summarize(tb).Median),
			fmt.Sprintf("%.3f/%.3f", Summarize(ha).Median, Summarize(hb).Median),
			fmt.Sprintf("%.2f/%.2f", Summarize(ca).Median, Summarize(cb).Median),
			fmt.Sprintf("%.0f/%.0f", sum(ea), sum(eb)),
			fmt.Sprintf("%.0f/%.0f", sum(ua), sum(ub)),
		})
		if tiers {
			rows[len(rows)-1] = append(rows[len(rows)-1], tierShares(wr))
		}
		if wr.Err != "" {
			rows = append(rows, []string{wr.Name + ": FAILED after " + fmt.Sprint(len(wr.Rounds)) + " rounds: " + wr.Err})
		}
	}
	if markdown {
		fmt.Fprintf(w, "| %s |\n", strings.Join(head, " | "))
		fmt.Fprintf(w, "|%s\n", strings.Repeat("---|", len(head)))
		for _, r := range rows {
			fmt.Fprintf(w, "| %s |\n", strings.Join(r, " | "))
		}
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

// tierShares is the median over the rounds of the fraction of hits L2
// served, for A and B, "–" for a server without tier stats or without
// hits (a set-only workload).
func tierShares(wr *WorkloadReport) string {
	var a, b []float64
	for _, r := range wr.Rounds {
		if t := r.ATier; t != nil && t.L1Hits+t.L2Hits > 0 {
			a = append(a, t.L2Share())
		}
		if t := r.BTier; t != nil && t.L1Hits+t.L2Hits > 0 {
			b = append(b, t.L2Share())
		}
	}
	f := func(xs []float64) string {
		if len(xs) == 0 {
			return "–"
		}
		return fmt.Sprintf("%.3f", Summarize(xs).Median)
	}
	return f(a) + "/" + f(b)
}

func sum(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s
}
