package mem

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

const mib = 1 << 20

// Write prints one row per result: RSS idle, with the items and with the
// connections (MiB), and the bytes per item and per connection. markdown
// selects a Markdown table instead of aligned columns.
func Write(w io.Writer, rs []*Result, markdown bool) error {
	head := []string{"server", "idle RSS MiB",
		"items", "RSS before → after items MiB", "bytes/item", "curr_items",
		"conns", "RSS with conns MiB", "bytes/conn", "RSS after a get on each MiB", "bytes/conn after get", "curr_connections"}
	var rows [][]string
	for _, r := range rs {
		row := []string{r.Name, fmt.Sprintf("%.1f", float64(r.IdleRSS)/mib)}
		if r.Items > 0 {
			row = append(row, fmt.Sprint(r.Items),
				fmt.Sprintf("%.1f → %.1f", float64(r.ItemsBaseRSS)/mib, float64(r.ItemsRSS)/mib),
				fmt.Sprintf("%.1f", r.BytesPerItem()), fmt.Sprint(r.CurrItems))
		} else {
			row = append(row, "–", "–", "–", "–")
		}
		if r.Conns > 0 {
			row = append(row, fmt.Sprint(r.Conns),
				fmt.Sprintf("%.1f", float64(r.ConnsRSS)/mib), fmt.Sprintf("%.0f", r.BytesPerConn()),
				fmt.Sprintf("%.1f", float64(r.ConnsUsedRSS)/mib), fmt.Sprintf("%.0f", r.BytesPerUsedConn()),
				fmt.Sprint(r.CurrConnections))
		} else {
			row = append(row, "–", "–", "–", "–", "–", "–")
		}
		rows = append(rows, row)
	}
	if markdown {
		fmt.Fprintf(w, "| %s |\n", strings.Join(head, " | "))
		fmt.Fprintf(w, "|---|%s\n", strings.Repeat("---:|", len(head)-1))
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
